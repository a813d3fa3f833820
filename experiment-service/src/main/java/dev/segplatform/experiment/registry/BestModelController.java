package dev.segplatform.experiment.registry;

import dev.segplatform.experiment.problem.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Models", description = "Which trained model to serve")
class BestModelController {

    private final BestModels models;

    BestModelController(BestModels models) {
        this.models = models;
    }

    @GetMapping("/api/models/best")
    @Operation(summary = "The succeeded run with the best metric value that has a model bundle")
    BestModels.BestModel best(@RequestParam(required = false) Long experimentId,
                              @RequestParam(defaultValue = "val_mean_iou") String metric,
                              @RequestParam(defaultValue = "max") String mode) {
        if (!mode.equals("max") && !mode.equals("min")) {
            throw new InvalidInputException("mode", "must be max or min");
        }
        return models.best(experimentId, metric, mode.equals("max"));
    }
}
