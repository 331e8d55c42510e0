package dev.bellm.io;

import dev.bellm.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.bellm.io.CheckpointFixtures.assertCheckpointError;
import static dev.bellm.io.CheckpointFixtures.fixture;
import static dev.bellm.io.CheckpointFixtures.stories260K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@SharedData
class ModelLoaderTest {
    @TempDir
    Path tmp;

    @Test
    void directoryIsAHuggingFaceCheckpoint() {
        assertEquals("qwen3", ModelLoader.load(fixture("tiny-qwen3")).config().architecture());
    }

    @Test
    void binFileIsALlama2cCheckpoint() {
        assertEquals("llama2c", ModelLoader.load(stories260K()).config().architecture());
    }

    @Test
    void zippedTorchSaveIsRefused() throws IOException {
        Path bin = Files.write(tmp.resolve("pytorch_model.bin"), new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0});
        assertCheckpointError(() -> ModelLoader.load(bin), "pytorch_model.bin", "never loads pickled PyTorch files", "safetensors");
    }

    @Test
    void rawPickleIsRefusedWhateverItsName() throws IOException {
        // torch.save's legacy format: PROTO 2, then LONG1 of the magic number
        Path pt = Files.write(tmp.resolve("model.pt"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc});
        assertCheckpointError(() -> ModelLoader.load(pt), "model.pt", "pickled");
    }

    @Test
    void llama2cHeaderThatStartsLikeAPickleIsNotOne() throws IOException {
        // dim 640 = 0x280 is stored as 80 02 00 00
        Path bin = Files.write(tmp.resolve("dim640.bin"), new byte[] {(byte) 0x80, 2, 0, 0, 0, 7, 0, 0});
        assertFalse(ModelLoader.isPickled(bin));
        assertTrue(ModelLoader.isPickled(Files.write(tmp.resolve("p.bin"), new byte[] {(byte) 0x80, 2, (byte) 0x8a})));
    }

    @Test
    void missingPath() {
        assertCheckpointError(() -> ModelLoader.load(tmp.resolve("absent.bin")), "absent.bin", "no such file or directory");
    }

    @Test
    void aSafetensorsFileAloneAsksForItsDirectory() throws IOException {
        Path file = Files.write(tmp.resolve("model.safetensors"), new byte[16]);
        assertCheckpointError(() -> ModelLoader.load(file), "model.safetensors", "directory");
    }

    @Test
    void anythingElseIsNotACheckpoint() throws IOException {
        Path file = Files.writeString(tmp.resolve("notes.txt"), "hello");
        assertCheckpointError(() -> ModelLoader.load(file), "notes.txt", "not a checkpoint");
    }
}
