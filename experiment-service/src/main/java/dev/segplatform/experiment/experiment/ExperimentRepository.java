package dev.segplatform.experiment.experiment;

import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

interface ExperimentRepository extends JpaRepository<ExperimentEntity, Long> {

    boolean existsByNameAndDeletedAtIsNull(String name);

    @Query("""
            select e from ExperimentEntity e
            where (:includeDeleted = true or e.deletedAt is null)
              and (:name is null or lower(e.name) like lower(concat('%', cast(:name as string), '%')))
            """)
    Page<ExperimentEntity> search(@Param("name") String name, @Param("includeDeleted") boolean includeDeleted,
                                  Pageable pageable);
}
