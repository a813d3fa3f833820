package dev.segplatform.experiment;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.segplatform.testsupport.ArchitectureRules;

/**
 * The wire contract's structure: {@code api} (records) and {@code client} without cycles, and of the
 * ML core only the public {@code core.model} (the limits the validation annotations name).
 */
@AnalyzeClasses(packages = "dev.segplatform.experiment", importOptions = ArchitectureRules.ThisModuleOnly.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule featurePackagesFreeOfCycles = ArchitectureRules.featurePackagesFreeOfCycles("dev.segplatform.experiment");

    @ArchTest
    static final ArchRule coreUsedThroughItsFaces = ArchitectureRules.coreUsedThroughItsFaces();
}
