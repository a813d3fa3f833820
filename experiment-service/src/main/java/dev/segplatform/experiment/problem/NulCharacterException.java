package dev.segplatform.experiment.problem;

import tools.jackson.core.JsonParser;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * A JSON string (or object key) with a NUL character. PostgreSQL cannot store one in text, so it is
 * refused while binding, where Jackson still knows the field's path, instead of at the database.
 */
public class NulCharacterException extends MismatchedInputException {

    public NulCharacterException(JsonParser parser, String reason) {
        super(parser, reason, String.class);
    }
}
