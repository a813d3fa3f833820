package dev.segplatform.experiment.run;

import org.springframework.data.jpa.repository.JpaRepository;

interface RunRepository extends JpaRepository<RunEntity, Long> {
}
