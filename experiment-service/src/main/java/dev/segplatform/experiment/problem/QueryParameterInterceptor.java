package dev.segplatform.experiment.problem;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a query parameter (a search filter, a name to look for) holding a NUL, naming it. Without
 * this the NUL reached PostgreSQL, which refused it as a data error that surfaced as a 409. The query
 * string is decoded here rather than read through getParameter, which would parse a form body too.
 */
public class QueryParameterInterceptor implements HandlerInterceptor {

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String query = request.getQueryString();
        if (query == null || !query.contains("%00")) {
            return true;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw new InvalidInputException(name.replace("\0", "\\u0000"),
                        "must not contain a NUL character (%00)");
            }
        }
        return true;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return text;
        }
    }
}
