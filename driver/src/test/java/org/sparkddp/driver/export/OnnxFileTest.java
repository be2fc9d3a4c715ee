package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.error.InvalidConfigException;

/** The file is whole or absent: no temporary files left behind; an existing one replaced only when asked to. */
class OnnxFileTest {
    @TempDir
    Path dir;

    private static long entries(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    @Test
    void writesTheBytesAndLeavesNothingElse() throws Exception {
        Path target = dir.resolve("model.onnx");
        OnnxFile.write(new byte[] {1, 2, 3}, target.toString(), false, new Configuration(), "--output");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
        assertEquals(1, entries(dir), "only the model: no temporary or checksum file");
    }

    @Test
    void anExistingFileIsRefusedUnlessOverwrite() throws Exception {
        Path target = Files.write(dir.resolve("model.onnx"), new byte[] {9});
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> OnnxFile.write(new byte[] {1},
                target.toString(), false, new Configuration(), "--output"));
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(true, e.getMessage().contains("exists already; pass --overwrite"), e.getMessage());
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(target), "untouched");
        OnnxFile.write(new byte[] {4, 5}, target.toString(), true, new Configuration(), "--output");
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().contains(".tmp-")
                    || f.getFileName().toString().contains(".replaced-")).count());
        }
    }

    @Test
    void aDirectoryIsRefused() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> OnnxFile.write(new byte[] {1},
                dir.toString(), true, new Configuration(), "--output"));
        assertEquals(true, e.getMessage().contains("is a directory"), e.getMessage());
    }
}
