package org.sparkddp.driver.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

class QualifiedPathTest {
    private static final Configuration HADOOP = new Configuration();

    @Test
    void aRelativePathIsResolvedAgainstTheDriversWorkingDirectory() {
        String cwd = Path.of("").toAbsolutePath().toString();
        assertEquals("file:" + cwd + "/output/fashion-mnist-mlp",
                QualifiedPath.of("output/fashion-mnist-mlp", HADOOP, "output.dir"));
    }

    @Test
    void anAbsolutePathGetsItsSchemeAndAQualifiedUriStaysAsItIs() {
        assertEquals("file:/data/runs/a", QualifiedPath.of("/data/runs/a", HADOOP, "output.dir"));
        assertEquals("file:/data/runs/a", QualifiedPath.of("file:///data/runs/a", HADOOP, "output.dir"));
        assertEquals("file:/data/runs/a", QualifiedPath.of("/data/runs/./b/../a", HADOOP, "output.dir"));
    }

    @Test
    void anHdfsUriWithoutANamenodeIsOneLineNamingTheKeyAndThePath() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> QualifiedPath.of("hdfs:///runs/a", HADOOP, "checkpoint.dir"));
        assertEquals("checkpoint.dir", e.key());
        assertTrue(e.getMessage().startsWith("checkpoint.dir: 'hdfs:///runs/a' is not a usable path: "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void anEmptyOrMalformedPathIsOneLineNamingTheKey() {
        for (String bad : new String[] {"", "nosuchscheme://host/x"}) {
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> QualifiedPath.of(bad, HADOOP, "--output"));
            assertTrue(e.getMessage().startsWith("--output: '" + bad + "' is not a usable path: "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }
}
