package dev.segplatform.helm;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Fields that fabric8 could not map to the Kubernetes model. Its classes keep them in
 * {@code additionalProperties} instead of failing, so a misspelt field
 * ({@code readOnlyRootFileSystem}) would otherwise pass the parse and be dropped by the API server.
 */
final class UnknownFields {

    private UnknownFields() {
    }

    /** Paths like {@code spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem}. */
    static List<String> of(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> walk(item, path + "[" + key + "]", found));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            String property = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            if (property.equals("additionalProperties") && child instanceof Map<?, ?> extra) {
                extra.keySet().forEach(key -> found.add(join(path, String.valueOf(key))));
            } else {
                walk(child, join(path, property), found);
            }
        }
    }

    private static String join(String path, String property) {
        return path.isEmpty() ? property : path + "." + property;
    }
}
