package dev.segplatform.testsupport;

import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The rules every service keeps, for a service's {@code ArchitectureTest} to include with
 * {@code ArchTests.in(ServiceArchitecture.class)}. The feature packages are those directly under
 * the service's root ({@code dev.segplatform.<service>.<feature>}), read from the classes the test
 * imported, so one definition serves all four services.
 */
public final class ServiceArchitecture {

    @ArchTest
    static final ArchRule featurePackagesFreeOfCycles =
            ArchitectureRules.featurePackagesFreeOfCycles("dev.segplatform.*");

    @ArchTest
    static final ArchRule coreUsedThroughItsFaces = ArchitectureRules.coreUsedThroughItsFaces();

    @ArchTest
    static final ArchRule controllersDoNotTouchStorage = ArchitectureRules.controllersDoNotTouchStorage();

    @ArchTest
    static final ArchRule persistenceTypesStayInTheirFeature = ArchitectureRules.persistenceTypesStayInTheirFeature();

    private ServiceArchitecture() {
    }
}
