package org.cutover.infra.internal.level1;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertThrows;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.cutover.api.FunctionUnavailableException;
import org.cutover.api.spi.Frame;
import org.cutover.api.spi.InfraProtocol;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * Level 1 of the built 1.0.0 bundle against level 1 of this 2.0.0 bundle.
 * Both contain a class of the same name, so the 1.0.0 one is loaded from the
 * infra-v1 artifact in a class loader of its own, sharing only the API.
 */
public class Level1AcrossBundlesTest {

    private static final String GROUP = "orders";
    private static final String CLASS_RESOURCE = Level1Protocol.class.getName().replace('.', '/') + ".class";

    private static URLClassLoader v1Loader;
    private static InfraProtocol v1;
    private static URL v1Location;
    private final InfraProtocol v2 = new Level1Protocol();

    @BeforeClass
    public static void loadLevelOneOfTheOneZeroZeroBundle() throws Exception {
        URL ownLocation = Level1Protocol.class.getProtectionDomain().getCodeSource().getLocation();
        List<URL> copies = Collections.list(Level1AcrossBundlesTest.class.getClassLoader().getResources(CLASS_RESOURCE));
        List<URL> others = new ArrayList<>();
        for (URL copy : copies) {
            URL root = rootOf(copy);
            if (!root.sameFile(ownLocation)) {
                others.add(root);
            }
        }
        assertEquals("exactly one other copy of level 1 (infra-v1's) on the test class path: " + copies, 1,
                others.size());
        v1Location = others.get(0);
        v1Loader = new InfraFirstClassLoader(v1Location, Level1AcrossBundlesTest.class.getClassLoader());
        v1 = (InfraProtocol) v1Loader.loadClass(Level1Protocol.class.getName()).getConstructor().newInstance();
    }

    @AfterClass
    public static void closeLoader() throws Exception {
        v1Loader.close();
    }

    @Test
    public void theOneZeroZeroProtocolReallyComesFromTheOtherArtifact() {
        assertNotSame(Level1Protocol.class, v1.getClass());
        assertEquals(v1Loader, v1.getClass().getClassLoader());
        assertEquals(v1Location, v1.getClass().getProtectionDomain().getCodeSource().getLocation());
        assertNotEquals(Level1Protocol.class.getProtectionDomain().getCodeSource().getLocation(), v1Location);
    }

    @Test
    public void bothOfferTheSameLevelAndFunctions() {
        assertEquals(v1.level(), v2.level());
        assertEquals(v1.functions(), v2.functions());
    }

    @Test
    public void eachDecodesWhatTheOtherEncodesByteForByte() {
        Random random = new Random(0x1e7e1L);
        for (int i = 0; i < 500; i++) {
            byte[] payload = new byte[random.nextInt(2048)];
            random.nextBytes(payload);
            byte[] fromV1 = v1.encode(GROUP, Frame.data(payload));
            byte[] fromV2 = v2.encode(GROUP, Frame.data(payload));
            assertArrayEquals(fromV1, fromV2);
            assertArrayEquals(payload, v2.decode(GROUP, fromV1).payload());
            assertArrayEquals(payload, v1.decode(GROUP, fromV2).payload());
        }
    }

    @Test
    public void bothRefuseRequestsAndRejectTheSameDamage() {
        Frame request = new Frame(Frame.Kind.REQUEST, 1, new byte[] {1});
        assertThrows(FunctionUnavailableException.class, () -> v1.encode(GROUP, request));
        assertThrows(FunctionUnavailableException.class, () -> v2.encode(GROUP, request));
        byte[] valid = v2.encode(GROUP, Frame.data(new byte[] {1, 2, 3}));
        for (int length = 0; length < valid.length; length++) {
            byte[] truncated = Arrays.copyOf(valid, length);
            IllegalArgumentException byV1 = assertThrows(IllegalArgumentException.class, () -> v1.decode(GROUP, truncated));
            IllegalArgumentException byV2 = assertThrows(IllegalArgumentException.class, () -> v2.decode(GROUP, truncated));
            assertEquals(byV1.getMessage(), byV2.getMessage());
        }
    }

    private static URL rootOf(URL classResource) throws Exception {
        String url = classResource.toString();
        if (url.startsWith("jar:")) {
            return new URL(url.substring("jar:".length(), url.indexOf("!/")));
        }
        return new URL(url.substring(0, url.length() - CLASS_RESOURCE.length()));
    }

    /** loads org.cutover.infra classes from its own URL first, everything else (the API, the JDK) from the parent */
    private static final class InfraFirstClassLoader extends URLClassLoader {
        InfraFirstClassLoader(URL location, ClassLoader parent) {
            super(new URL[] {location}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("org.cutover.infra.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    loaded = findClass(name);
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }
    }
}
