package dev.segplatform.core;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.segplatform.testsupport.ArchitectureRules;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The ML core's structure: arrows between its packages run one way (docs/architecture.md, "The ML
 * core's packages"), so a change to a kernel shows at once what depends on it.
 */
@AnalyzeClasses(packages = "dev.segplatform.core", importOptions = ArchitectureRules.ThisModuleOnly.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule packagesFreeOfCycles = ArchitectureRules.packagesFreeOfCycles("dev.segplatform.core");

    /** The kernels are plain array and oneDNN code: they name nothing of ours above them. */
    @ArchTest
    static final ArchRule kernelsNameNothingAbove = noClasses().that().resideInAPackage("..core.model.kernel..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.segplatform.core.model",
                    "..core.model.layer..", "..core.model.optim..", "..core.model.serving..", "..core.train..",
                    "..core.bundle..", "..core.predict..", "..core.dataset..");

    /** Layers, updaters and the serving fold are building blocks: none names a network or a run. */
    @ArchTest
    static final ArchRule blocksNameNoNetwork = noClasses().that().resideInAnyPackage("..core.model.layer..",
                    "..core.model.optim..", "..core.model.serving..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.segplatform.core.model", "..core.train..",
                    "..core.bundle..", "..core.predict..");

    /** New networks use today's layers; the legacy package only keeps old bundles loading. */
    @ArchTest
    static final ArchRule legacyOnlyLoaded = noClasses().that().resideOutsideOfPackage("..core.model.layer.legacy..")
            .should().dependOnClassesThat().resideInAPackage("..core.model.layer.legacy..");

    @ArchTest
    static final ArchRule persistenceTypesStayInTheirFeature = ArchitectureRules.persistenceTypesStayInTheirFeature();
}
