package dev.segplatform.trainer;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.segplatform.testsupport.ArchitectureRules;

/** The structure this module keeps: test-support's {@link ArchitectureRules}, checked on its own classes. */
@AnalyzeClasses(packages = "dev.segplatform.trainer", importOptions = ArchitectureRules.ThisModuleOnly.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule featurePackagesFreeOfCycles = ArchitectureRules.featurePackagesFreeOfCycles("dev.segplatform.trainer");

    @ArchTest
    static final ArchRule coreUsedThroughItsFaces = ArchitectureRules.coreUsedThroughItsFaces();

    @ArchTest
    static final ArchRule controllersDoNotTouchStorage = ArchitectureRules.controllersDoNotTouchStorage();

    @ArchTest
    static final ArchRule persistenceTypesStayInTheirFeature = ArchitectureRules.persistenceTypesStayInTheirFeature();
}
