package dev.segplatform.inference.segment;

import dev.segplatform.inference.InferenceProperties;
import dev.segplatform.inference.model.ModelHeaders;
import dev.segplatform.inference.problem.InvalidInputException;
import dev.segplatform.inference.problem.PayloadTooLargeException;
import dev.segplatform.inference.segment.SegmentResponses.BatchJson;
import dev.segplatform.inference.segment.SegmentResponses.MaskJson;
import dev.segplatform.inference.segment.SegmentResponses.ModelRef;
import dev.segplatform.inference.web.BoundedBody;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * Segmentation over plain HTTP: one image as a multipart field {@code image} or as the raw body
 * with an {@code image/*} type, or several in {@code /api/segment/batch}. Everything about models
 * and batching is behind {@link SegmentationService}.
 */
@RestController
@Tag(name = "Segment", description = "Images in, masks out")
class SegmentController {

    private final SegmentationService service;
    private final long maxUpload;
    private final int maxImages;

    SegmentController(SegmentationService service, InferenceProperties properties) {
        this.service = service;
        this.maxUpload = properties.maxUploadSize().toBytes();
        this.maxImages = properties.maxImagesPerRequest();
    }

    @PostMapping(path = "/api/segment", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = {MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE})
    @Operation(summary = "Segment one image sent as the multipart field 'image' (JPEG or PNG)",
            description = "Answers a class-index PNG at the image's size (default), JSON with counts and a "
                    + "run-length encoded mask (Accept: application/json or format=json), or an overlay "
                    + "(format=overlay). X-Model-Run-Id, X-Model-Architecture and X-Model-Version name the model.")
    ResponseEntity<?> segmentMultipart(@RequestPart("image") MultipartFile image,
            @Parameter(description = "png, json or overlay; overrides Accept") @RequestParam(required = false) String format,
            @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) throws IOException {
        MaskFormat answer = MaskFormat.negotiate(format, accept);
        return respond(service.segment(read("image", image)), answer);
    }

    @PostMapping(path = "/api/segment", consumes = "image/*",
            produces = {MediaType.IMAGE_PNG_VALUE, MediaType.APPLICATION_JSON_VALUE})
    @Operation(summary = "Segment one image sent as the raw body (Content-Type image/jpeg or image/png)")
    ResponseEntity<?> segmentRaw(HttpServletRequest request,
            @Parameter(description = "png, json or overlay; overrides Accept") @RequestParam(required = false) String format,
            @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept) throws IOException {
        MaskFormat answer = MaskFormat.negotiate(format, accept);
        byte[] body = BoundedBody.read(request.getInputStream(), request.getContentLengthLong(), maxUpload, "body");
        return respond(service.segment(new ImageInput("body", null, body)), answer);
    }

    @PostMapping(path = "/api/segment/batch", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Segment several images (multipart fields 'images'), answered as JSON in their order",
            description = "All images are checked before any is segmented; one bad image fails the request "
                    + "with a problem naming it (images[i]).")
    ResponseEntity<BatchJson> segmentBatch(@RequestPart("images") List<MultipartFile> images) throws IOException {
        if (images.size() > maxImages) {
            throw new InvalidInputException("images", "at most " + maxImages + " images per request, got " + images.size());
        }
        List<ImageInput> inputs = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            inputs.add(read("images[" + i + "]", images.get(i)));
        }
        List<Segmentation> results = service.segment(inputs);
        List<MaskJson> masks = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            masks.add(MaskJson.of(inputs.get(i).filename(), results.get(i)));
        }
        return ResponseEntity.ok().headers(ModelHeaders.of(results.get(0).model()))
                .body(new BatchJson(ModelRef.of(results.get(0).model()), masks));
    }

    private ImageInput read(String field, MultipartFile file) throws IOException {
        if (file.getSize() > maxUpload) {
            throw new PayloadTooLargeException(field, maxUpload);
        }
        return new ImageInput(field, file.getOriginalFilename(), file.getBytes());
    }

    private static ResponseEntity<?> respond(Segmentation s, MaskFormat format) {
        HttpHeaders headers = ModelHeaders.of(s.model());
        headers.add(HttpHeaders.VARY, HttpHeaders.ACCEPT);
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok().headers(headers).contentType(format.mediaType());
        return switch (format) {
            case PNG -> ok.body(s.model().encoder().png(s.mask()));
            case OVERLAY -> ok.body(s.model().encoder().overlayPng(s.original(), s.mask()));
            case JSON -> ok.body(MaskJson.of(null, s));
        };
    }
}
