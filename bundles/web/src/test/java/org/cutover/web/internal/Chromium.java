package org.cutover.web.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium from Debian's packages ({@code chromium}, {@code chromium-driver}), driven by Selenium: nothing
 * is downloaded at run time. Each browser has its own profile under {@code target/}, and saves screenshots there.
 * Shared with the process ITs (this module's test jar).
 */
public final class Chromium implements AutoCloseable {

    public static final String BINARY = "/usr/bin/chromium";
    public static final String DRIVER = "/usr/bin/chromedriver";

    public final ChromeDriver driver;
    private final Path screenshots;
    private int shot;

    public Chromium(Path dir) throws IOException {
        if (!Files.isExecutable(Path.of(BINARY)) || !Files.isExecutable(Path.of(DRIVER))) {
            throw new IllegalStateException(BINARY + " and " + DRIVER + " are needed: apt-get install chromium"
                    + " chromium-driver (README, set up on a fresh machine)");
        }
        Files.createDirectories(dir);
        this.screenshots = dir;
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY);
        // root in CI: no sandbox; small /dev/shm in containers
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1200", "--user-data-dir=" + Files.createTempDirectory(dir, "profile"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, java.util.logging.Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        this.driver = new ChromeDriver(service, options);
    }

    /** waits up to {@code timeout}, failing with what the page shows */
    public WebDriverWait waiting(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(20));
        wait.withMessage(() -> {
            String shot;
            try {
                shot = screenshot("timeout").toString();
            } catch (IOException | RuntimeException e) {
                shot = "no screenshot: " + e;
            }
            return "the page shows: " + text(driver) + "\n(" + shot + ")";
        });
        return wait;
    }

    private static String text(WebDriver d) {
        try {
            return d.getCurrentUrl() + ": " + d.findElement(By.tagName("body")).getText() + "\nbrowser log: "
                    + d.manage().logs().get(LogType.BROWSER).getAll();
        } catch (RuntimeException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** logs in on the page's form, which must be shown, and waits for the cluster view */
    public void logIn(String user, String password, Duration timeout) {
        waiting(timeout).until(d -> d.findElement(By.id("login")).isDisplayed());
        driver.findElement(By.id("login-user")).sendKeys(user);
        driver.findElement(By.id("login-password")).sendKeys(password);
        driver.findElement(By.id("login-submit")).click();
        waiting(timeout).until(d -> d.findElement(By.id("view")).isDisplayed());
    }

    /**
     * the text of the first element {@code css} selects, or "" when none: read in one script, since the live page
     * may replace the element between two WebDriver calls
     */
    public String text(String css) {
        return String.valueOf(driver.executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css));
    }

    /** the text of group {@code group}'s cell {@code column} (level, potential, epoch, hold, members) */
    public String groupCell(String group, String column) {
        return text("tr[data-group='" + group + "'] ." + column);
    }

    /** saves target/…/NN-name.png */
    public Path screenshot(String name) throws IOException {
        Path file = screenshots.resolve(String.format("%02d-%s.png", ++shot, name));
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
        return file;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
