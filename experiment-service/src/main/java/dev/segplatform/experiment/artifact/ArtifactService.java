package dev.segplatform.experiment.artifact;

import dev.segplatform.experiment.api.ArtifactInfo;
import dev.segplatform.experiment.api.JobStatus;
import dev.segplatform.experiment.problem.ConflictException;
import dev.segplatform.experiment.problem.InvalidInputException;
import dev.segplatform.experiment.problem.NotFoundException;
import dev.segplatform.experiment.problem.PayloadTooLargeException;
import dev.segplatform.experiment.config.ExperimentProperties;
import dev.segplatform.experiment.queue.JobQueue;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Artifact uploads and downloads. The row that makes an artifact visible is written only after
 * its bytes are complete and hashed, and under the same lease check as any worker write.
 */
@Service
public class ArtifactService {

    private final JdbcClient jdbc;
    private final BlobStore blobs;
    private final JobQueue queue;
    private final TransactionTemplate transactions;
    private final ExperimentProperties properties;
    private final Clock clock;

    ArtifactService(JdbcClient jdbc, BlobStore blobs, JobQueue queue, TransactionTemplate transactions,
                    ExperimentProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.blobs = blobs;
        this.queue = queue;
        this.transactions = transactions;
        this.properties = properties;
        this.clock = clock;
    }

    private static final int MAX_CONTENT_TYPE_LENGTH = 255;

    public ArtifactInfo upload(long runId, String rawPath, UUID leaseToken, String contentType, long declaredLength,
                    InputStream body) {
        String path = ArtifactPath.normalize(rawPath);
        String type = mediaType(contentType);
        if (declaredLength > properties.maxArtifactSize().toBytes()) {
            throw new PayloadTooLargeException(properties.maxArtifactSize());
        }
        // Fail fast before reading a possibly large body; checked again when the row is written.
        transactions.executeWithoutResult(status -> guardWritable(runId, leaseToken));
        BlobStore.Blob blob = blobs.write(body);
        Instant now = clock.instant();
        transactions.executeWithoutResult(status -> {
            // Again under the job row's share lock: the run may have finished while the bytes streamed in.
            guardWritable(runId, leaseToken);
            jdbc.sql("""
                            insert into artifact (run_id, path, size_bytes, sha256, content_type, created_at)
                            values (:runId, :path, :size, :sha256, :type, :now)
                            on conflict (run_id, path) do update
                            set size_bytes = excluded.size_bytes, sha256 = excluded.sha256,
                                content_type = excluded.content_type, created_at = excluded.created_at""")
                    .param("runId", runId).param("path", path).param("size", blob.size())
                    .param("sha256", blob.sha256()).param("type", type).param("now", Timestamp.from(now))
                    .update();
        });
        return new ArtifactInfo(path, blob.size(), blob.sha256(), type, now);
    }

    /**
     * A run's artifacts change only while it can still produce them (queued, or running under the
     * caller's lease, where overwriting a path replaces it as MLflow does for an active run). Once the
     * run has ended they are its record: a served model must stay the model that was evaluated.
     */
    private void guardWritable(long runId, UUID leaseToken) {
        queue.guardWrite(runId, leaseToken);
        // A run without a job (an MLflow client's) keeps its status on the run row.
        JobStatus status = JobStatus.valueOf(jdbc.sql("""
                        select coalesce(j.status, r.status) from run r left join job j on j.run_id = r.id
                        where r.id = :runId""")
                .param("runId", runId).query(String.class).single());
        if (status.isFinal()) {
            throw new ConflictException("run " + runId + " ended as " + status
                    + "; the artifacts of a finished run cannot be changed");
        }
    }

    /**
     * The type recorded for the artifact. curl's {@code --data-binary} labels any file as a form
     * ({@code application/x-www-form-urlencoded}) unless told otherwise; that label says nothing
     * about the bytes, so such uploads are recorded as plain octets rather than served back as a form.
     */
    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return MediaType.APPLICATION_OCTET_STREAM_VALUE;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            if (MediaType.APPLICATION_FORM_URLENCODED.equalsTypeAndSubtype(type)) {
                return MediaType.APPLICATION_OCTET_STREAM_VALUE;
            }
            String recorded = type.toString();
            // The artifact row keeps the label in a column of this width; checked before the body is read.
            if (recorded.length() > MAX_CONTENT_TYPE_LENGTH) {
                throw new InvalidInputException("Content-Type", "at most " + MAX_CONTENT_TYPE_LENGTH
                        + " characters, got " + recorded.length());
            }
            return recorded;
        } catch (InvalidMediaTypeException e) {
            throw new InvalidInputException("Content-Type", "not a media type: " + e.getMessage());
        }
    }

    public List<ArtifactInfo> list(long runId, String prefix) {
        requireRun(runId);
        return jdbc.sql("""
                        select path, size_bytes, sha256, content_type, created_at from artifact
                        where run_id = :runId and (cast(:prefix as text) is null or starts_with(path, :prefix))
                        order by path""")
                .param("runId", runId)
                .param("prefix", prefix == null || prefix.isBlank() ? null : prefix, java.sql.Types.VARCHAR)
                .query((rs, n) -> new ArtifactInfo(rs.getString("path"), rs.getLong("size_bytes"), rs.getString("sha256"),
                        rs.getString("content_type"), rs.getTimestamp("created_at").toInstant()))
                .list();
    }

    /** A complete artifact and the file holding its bytes. */
    public record Download(ArtifactInfo artifact, Path file) {
    }

    public Download download(long runId, String rawPath) {
        String path = ArtifactPath.normalize(rawPath);
        requireRun(runId);
        ArtifactInfo artifact = find(runId, path)
                .orElseThrow(() -> new NotFoundException("artifact", "'" + path + "' of run " + runId));
        return new Download(artifact, blobs.path(artifact.sha256()));
    }

    public Optional<ArtifactInfo> find(long runId, String path) {
        return jdbc.sql("""
                        select path, size_bytes, sha256, content_type, created_at from artifact
                        where run_id = :runId and path = :path""")
                .param("runId", runId).param("path", path)
                .query((rs, n) -> new ArtifactInfo(rs.getString("path"), rs.getLong("size_bytes"), rs.getString("sha256"),
                        rs.getString("content_type"), rs.getTimestamp("created_at").toInstant()))
                .optional();
    }

    private void requireRun(long runId) {
        if (jdbc.sql("select count(*) from run where id = :id").param("id", runId).query(Long.class).single() == 0) {
            throw new NotFoundException("run", runId);
        }
    }
}
