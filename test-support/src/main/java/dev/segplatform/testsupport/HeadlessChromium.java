package dev.segplatform.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven by Selenium through Debian's chromedriver, for the browser
 * tests. CI installs both (see {@code .ci/run}), so there a missing one is a failure; on a developer
 * machine without them the test is reported as skipped, with the reason. The browser's console is
 * recorded, so a test can assert that a page logged no errors.
 */
public final class HeadlessChromium {

    private HeadlessChromium() {
    }

    /** A new browser with a window of the given size; the caller quits it. */
    public static ChromeDriver start(int width, int height) {
        Path chromium = require("Chromium", "chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path chromedriver = require("chromedriver", "chromium-driver", "/usr/bin/chromedriver",
                "/usr/lib/chromium/chromedriver");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // No sandbox: CI runs as root in a container. The rest keeps Chromium from reaching the network.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static Path require(String what, String debianPackage, String... candidates) {
        Path found = Stream.of(candidates).map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        if (found == null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(what + " is required in CI: .ci/run installs the Debian package '"
                        + debianPackage + "'");
            }
            Assumptions.abort(what + " not installed (apt-get install " + debianPackage + "); the browser tests need it");
        }
        return found;
    }
}
