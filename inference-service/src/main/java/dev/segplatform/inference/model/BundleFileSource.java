package dev.segplatform.inference.model;

import dev.segplatform.core.bundle.ModelBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A bundle file on disk, no experiment service involved. Replacing the file (atomically, as
 * {@link ModelBundle#save} does) makes the poller load the new one: the key holds the file's
 * modification time and size.
 */
final class BundleFileSource implements ModelSource {

    private final Path file;

    BundleFileSource(Path file) {
        this.file = file.toAbsolutePath();
    }

    @Override
    public Stream<ModelCandidate> candidates() throws IOException {
        if (!Files.isRegularFile(file)) {
            return Stream.empty();
        }
        String key = "file:" + file + ":" + Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
        return Stream.of(new ModelCandidate(key, "bundle-file", null, null, null, null, null));
    }

    @Override
    public ModelBundle load(ModelCandidate candidate) throws IOException {
        return ModelBundle.load(file);
    }

    @Override
    public String describe() {
        return "bundle file " + file;
    }
}
