package dev.segplatform.experiment.experiment;

import java.util.List;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

interface ExperimentRepository extends JpaRepository<ExperimentEntity, Long> {

    boolean existsByNameAndDeletedAtIsNull(String name);

    /** Newest first, so a live experiment comes before deleted ones of the same name. */
    List<ExperimentEntity> findByNameOrderByDeletedAtDescIdDesc(String name);

    /** MLflow's experiment search: by lifecycle and a name pattern (LIKE, '\\' escapes), newest first. */
    @Query("""
            select e from ExperimentEntity e
            where ((:live = true and e.deletedAt is null) or (:deleted = true and e.deletedAt is not null))
              and (cast(:pattern as string) is null
                   or (:ignoreCase = false and e.name like cast(:pattern as string) escape '\\')
                   or (:ignoreCase = true and lower(e.name) like lower(cast(:pattern as string)) escape '\\'))
            """)
    Page<ExperimentEntity> searchByPattern(@Param("live") boolean live, @Param("deleted") boolean deleted,
                                           @Param("pattern") String pattern, @Param("ignoreCase") boolean ignoreCase,
                                           Pageable pageable);

    @Query("""
            select e from ExperimentEntity e
            where (:includeDeleted = true or e.deletedAt is null)
              and (:name is null or lower(e.name) like lower(concat('%', cast(:name as string), '%')))
            """)
    Page<ExperimentEntity> search(@Param("name") String name, @Param("includeDeleted") boolean includeDeleted,
                                  Pageable pageable);
}
