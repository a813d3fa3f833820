package dev.segplatform.trainer;

import dev.segplatform.core.runtime.NativeBackend;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Trainer workers: claim queued jobs from the experiment service and train them with DL4J. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TrainerServiceApplication {

    public static void main(String[] args) {
        // Before Spring or anything else loads ND4J: the native build is chosen once, at load.
        NativeBackend.configure();
        SpringApplication.run(TrainerServiceApplication.class, args);
    }
}
