package dev.segplatform.inference;

import dev.segplatform.core.runtime.NativeBackend;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Serves segmentation masks from the best trained model. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class InferenceServiceApplication {

    public static void main(String[] args) {
        // Before Spring or anything else loads ND4J: the native build is chosen once, at load.
        NativeBackend.configure();
        SpringApplication.run(InferenceServiceApplication.class, args);
    }
}
