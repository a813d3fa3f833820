package dev.segplatform.experiment.experiment;

import java.util.List;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
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

    /**
     * Inserts the experiment with the fixed id {@code id} (below the identity's range, so no created
     * experiment ever takes it) unless a row has it; named {@code fallbackName} if a live experiment
     * already holds {@code name}. Concurrent callers insert it once.
     */
    @Modifying
    @Query(nativeQuery = true, value = """
            insert into experiment (id, name, description, created_at, updated_at)
            overriding system value
            select :id, case when exists (select 1 from experiment where name = :name and deleted_at is null)
                             then :fallbackName else :name end, :description, :now, :now
            on conflict do nothing
            """)
    int insertFixed(@Param("id") long id, @Param("name") String name, @Param("fallbackName") String fallbackName,
                    @Param("description") String description, @Param("now") java.time.Instant now);
}
