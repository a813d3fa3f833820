package dev.segplatform.experiment.problem;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.KeyDeserializer;
import tools.jackson.databind.deser.jdk.StringDeserializer;
import tools.jackson.databind.module.SimpleModule;

@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

    /**
     * Every string of a request body, values and map keys alike, is refused when it holds a NUL: the
     * database would refuse it later anyway, as an opaque conflict, after part of the work was done.
     */
    @Bean
    JacksonModule nulFreeStrings() {
        return new SimpleModule("nul-free-strings")
                .addDeserializer(String.class, new NulFreeStrings())
                .addKeyDeserializer(String.class, new NulFreeKeys());
    }

    private static final class NulFreeStrings extends StringDeserializer {
        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) {
            String value = super.deserialize(parser, context);
            if (value != null && value.indexOf('\0') >= 0) {
                throw new NulCharacterException(parser, "must not contain a NUL character (\\u0000)");
            }
            return value;
        }
    }

    private static final class NulFreeKeys extends KeyDeserializer {
        @Override
        public Object deserializeKey(String key, DeserializationContext context) {
            if (key.indexOf('\0') >= 0) {
                throw new NulCharacterException(context.getParser(), "keys must not contain a NUL character (\\u0000)");
            }
            return key;
        }
    }
}
