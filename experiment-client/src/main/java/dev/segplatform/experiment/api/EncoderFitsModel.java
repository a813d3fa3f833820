package dev.segplatform.experiment.api;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A run spec's encoder fields fit its model: a pretrained encoder is the U-Net's only, and
 * {@code encoderWeights} and a true {@code freezeEncoder} need an encoder. Each refusal names its
 * field ({@code encoder}, {@code encoderWeights} or {@code freezeEncoder}), so a client's 400 says
 * which field to drop.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = EncoderFitsModel.Validator.class)
public @interface EncoderFitsModel {

    String message() default "does not fit the model";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<EncoderFitsModel, RunSpec> {

        @Override
        public boolean isValid(RunSpec spec, ConstraintValidatorContext context) {
            if (spec == null) {
                return true;
            }
            boolean encoder = spec.encoder() != null && spec.encoder() != ModelEncoder.NONE;
            boolean valid = true;
            context.disableDefaultConstraintViolation();
            if (encoder && spec.model() != null && spec.model() != ModelArchitecture.UNET) {
                valid = refuse(context, "encoder", "a pretrained encoder is for unet only, not " + spec.model().wireName());
            }
            if (!encoder && spec.encoderWeights() != null) {
                valid = refuse(context, "encoderWeights", "needs an encoder (encoder: vgg16)");
            }
            if (!encoder && Boolean.TRUE.equals(spec.freezeEncoder())) {
                valid = refuse(context, "freezeEncoder", "needs an encoder (encoder: vgg16)");
            }
            if (spec.encoderWeights() != null && spec.encoderWeights().isBlank()) {
                valid = refuse(context, "encoderWeights", "must be \"imagenet\" or a path");
            }
            return valid;
        }

        private static boolean refuse(ConstraintValidatorContext context, String field, String message) {
            context.buildConstraintViolationWithTemplate(message).addPropertyNode(field).addConstraintViolation();
            return false;
        }
    }
}
