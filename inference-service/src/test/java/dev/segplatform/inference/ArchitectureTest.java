package dev.segplatform.inference;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import dev.segplatform.testsupport.ArchitectureRules;
import dev.segplatform.testsupport.ServiceArchitecture;

/** The structure this service keeps: test-support's {@link ServiceArchitecture}, checked on its own classes. */
@AnalyzeClasses(packages = "dev.segplatform.inference", importOptions = ArchitectureRules.ThisModuleOnly.class)
class ArchitectureTest {

    @ArchTest
    static final ArchTests service = ArchTests.in(ServiceArchitecture.class);
}
