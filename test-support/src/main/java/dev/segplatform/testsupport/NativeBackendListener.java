package dev.segplatform.testsupport;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Runs segmentation-core's {@code NativeBackend.configure()} when a test JVM starts, before any test
 * class touches ND4J, so that in-process tests (Spring contexts included, whose {@code main} never
 * runs) use the same native build and layer helpers as the services.
 *
 * <p>Found by name because test-support sits below segmentation-core in the build (the experiment
 * service's tests use it without DL4J); in a module without segmentation-core it does nothing.
 */
public final class NativeBackendListener implements LauncherSessionListener {

    static final String NATIVE_BACKEND = "dev.segplatform.core.runtime.NativeBackend";

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Class<?> backend;
        try {
            backend = Class.forName(NATIVE_BACKEND, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            return;
        }
        try {
            backend.getMethod("configure").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("could not configure ND4J's native build", e);
        }
    }
}
