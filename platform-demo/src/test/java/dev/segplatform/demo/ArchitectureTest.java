package dev.segplatform.demo;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.segplatform.testsupport.ArchitectureRules;

/** The demo talks to the platform through the gateway and uses the ML core only through its faces. */
@AnalyzeClasses(packages = "dev.segplatform.demo", importOptions = ArchitectureRules.ThisModuleOnly.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule coreUsedThroughItsFaces = ArchitectureRules.coreUsedThroughItsFaces();
}
