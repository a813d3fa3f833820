package dev.segplatform.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The gateway's dashboard in a {@link HeadlessChromium}, with the few moves every dashboard test makes:
 * sign in with a key, read an element's text or a chart's series, collect the console's errors, keep
 * a screenshot. Reads go through one script call because the pages re-render while they poll: an
 * element found by Selenium may be replaced before its text is read.
 */
public final class DashboardBrowser implements AutoCloseable {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final ChromeDriver driver;

    private DashboardBrowser(ChromeDriver driver) {
        this.driver = driver;
    }

    /** A new browser window of the given size; close it (or quit its driver) when done. */
    public static DashboardBrowser open(int width, int height) {
        return new DashboardBrowser(HeadlessChromium.start(width, height));
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Enters the key in the sign-in form of the page that is open and waits until the role shows. */
    public void signIn(String key) {
        waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key"))).sendKeys(key);
        driver.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
        waitUpTo(20).until(ExpectedConditions.visibilityOfElementLocated(By.id("who-role")));
    }

    public WebDriverWait waitUpTo(int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds));
    }

    /** The text of the first element matching a CSS selector, or "" when there is none. */
    public String text(String selector) {
        return String.valueOf(js("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
                selector));
    }

    public Object js(String script, Object... arguments) {
        return driver.executeScript(script, arguments);
    }

    /** The number of points of each series of the ECharts chart in {@code #chart-<name>}, by series name. */
    @SuppressWarnings("unchecked")
    public Map<String, Long> seriesLengths(String chart) {
        return (Map<String, Long>) js("const c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
                + " const out = {}; for (const s of c.getOption().series) { out[s.name] = s.data.length; } return out;",
                "chart-" + chart);
    }

    /** The console's errors since the last call (the browser's log is drained as it is read); no favicon noise. */
    public List<LogEntry> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .filter(e -> !e.getMessage().contains("favicon"))
                .toList();
    }

    /** Keeps what the page looks like under {@code target/screenshots/<name>.png}, for a person to look at. */
    public void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
