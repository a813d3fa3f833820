package dev.segplatform.testsupport;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.net.URI;
import java.nio.file.Path;

/**
 * The structure every module keeps, written once and checked by each module's {@code ArchitectureTest}
 * (ArchUnit), in the spirit of Spring Modulith's {@code verify}: feature packages without cycles, the
 * ML core used through its public packages only, controllers that translate HTTP and nothing more,
 * persistence types that stay in the feature that owns them.
 */
public final class ArchitectureRules {

    /**
     * segmentation-core's public packages: what a service may name. The rest ({@code core.model.layer},
     * {@code .layer.legacy}, {@code .kernel}, {@code .optim}, {@code .serving}) is public only because
     * DL4J instantiates layers by class name or Java has no friend packages.
     */
    public static final String[] CORE_FACES = {
            "dev.segplatform.core", "dev.segplatform.core.model", "dev.segplatform.core.bundle",
            "dev.segplatform.core.predict", "dev.segplatform.core.dataset", "dev.segplatform.core.image",
            "dev.segplatform.core.train", "dev.segplatform.core.metrics", "dev.segplatform.core.runtime"};

    private static final String[] SQL_TYPES = {
            "org.springframework.jdbc.core.JdbcTemplate",
            "org.springframework.jdbc.core.JdbcOperations",
            "org.springframework.jdbc.core.simple.JdbcClient",
            "org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate",
            "org.springframework.jdbc.core.namedparam.NamedParameterJdbcOperations",
            "javax.sql.DataSource",
            "java.sql.Connection",
            "jakarta.persistence.EntityManager",
            "org.springframework.data.repository.Repository"};

    private ArchitectureRules() {
    }

    /**
     * No cycles between the feature packages directly under {@code root} (each with its subpackages),
     * the granularity a reader navigates by.
     */
    public static ArchRule featurePackagesFreeOfCycles(String root) {
        return slices().matching(root + ".(*)..").namingSlices("feature '$1'").should().beFreeOfCycles()
                .as("feature packages under " + root + " have no cycles");
    }

    /** No cycles between any two packages under {@code root}, subpackages counted apart. */
    public static ArchRule packagesFreeOfCycles(String root) {
        return slices().matching(root + ".(**)").namingSlices("package '$1'").should().beFreeOfCycles()
                .as("packages under " + root + " have no cycles");
    }

    /**
     * Code outside segmentation-core names the core's public packages only ({@link #CORE_FACES}).
     * Fails when no class was imported at all, so a module whose import found nothing cannot pass.
     */
    public static ArchRule coreUsedThroughItsFaces() {
        return noClasses().that().resideOutsideOfPackage("dev.segplatform.core..")
                .should().dependOnClassesThat(resideInAPackage("dev.segplatform.core..")
                        .and(not(resideInAnyPackage(CORE_FACES))))
                .as("code outside segmentation-core uses only its public packages (core.model, core.bundle, "
                        + "core.predict, ...), never core.model.layer, .kernel, .optim or .serving");
    }

    /**
     * Controllers ({@code @Controller}, {@code @RestController}) translate HTTP: no SQL, no data
     * source, no Spring Data repository, no entity manager.
     */
    public static ArchRule controllersDoNotTouchStorage() {
        DescribedPredicate<JavaClass> storage = DescribedPredicate.or(
                java.util.Arrays.stream(SQL_TYPES).map(type -> assignableTo(type)).toList())
                .as("SQL or repository types (JdbcClient, JdbcTemplate, DataSource, Repository, ...)");
        return noClasses().that().areMetaAnnotatedWith("org.springframework.stereotype.Controller")
                .should().dependOnClassesThat(storage)
                .as("controllers use no SQL, data source or repository")
                .allowEmptyShould(true);
    }

    /**
     * JPA entities, Spring Data repositories and the row types a store maps SQL results to stay in
     * the feature package that owns them: anything outside sees records made for it.
     */
    public static ArchRule persistenceTypesStayInTheirFeature() {
        DescribedPredicate<JavaClass> persistence = DescribedPredicate.<JavaClass>describe("persistence type",
                c -> c.isAnnotatedWith("jakarta.persistence.Entity")
                        || c.isAnnotatedWith("jakarta.persistence.Embeddable")
                        || c.isAssignableTo("org.springframework.data.repository.Repository")
                        || c.getSimpleName().endsWith("Row"));
        return classes().that(persistence).should(beUsedOnlyInTheirOwnPackage())
                .as("entities, repositories and rows are used only in their own feature package")
                .allowEmptyShould(true);
    }

    private static ArchCondition<JavaClass> beUsedOnlyInTheirOwnPackage() {
        return new ArchCondition<>("be used only in their own package") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                for (Dependency dependency : type.getDirectDependenciesToSelf()) {
                    if (!dependency.getOriginClass().getPackageName().equals(type.getPackageName())) {
                        events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                    }
                }
            }
        };
    }

    /**
     * Imports only the classes compiled from this module's own {@code src/main}: in a reactor build a
     * sibling module (experiment-client shares the {@code dev.segplatform.experiment} root) is a
     * folder on the class path too, so "not a jar" would not tell them apart. Surefire runs in the
     * module's folder.
     */
    public static final class ThisModuleOnly implements ImportOption {

        private static final Path MAIN_CLASSES = Path.of("target", "classes").toAbsolutePath();

        @Override
        public boolean includes(Location location) {
            URI uri = location.asURI();
            return "file".equals(uri.getScheme()) && Path.of(uri).startsWith(MAIN_CLASSES);
        }
    }
}
