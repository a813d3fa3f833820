package dev.segplatform.gateway.access;

import dev.segplatform.gateway.problem.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates the API key ({@code X-API-Key} or {@code Authorization: Bearer}), checks its role
 * against the route family, and applies the segmentation rate limit. The key itself is not passed
 * to backends.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class ApiKeyFilter extends OncePerRequestFilter {

    public static final String HEADER = "X-API-Key";
    /** The request attribute holding the authenticated {@link ApiKeys.Identity}. */
    public static final String IDENTITY = ApiKeyFilter.class.getName() + ".identity";

    private final ApiKeys keys;
    private final SegmentRateLimiter limiter;
    private final Problems problems;

    ApiKeyFilter(ApiKeys keys, SegmentRateLimiter limiter, Problems problems) {
        this.keys = keys;
        this.limiter = limiter;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        RouteFamily family = RouteFamily.of(request.getRequestURI());
        if (family == RouteFamily.PUBLIC) {
            chain.doFilter(request, response);
            return;
        }
        Optional<String> presented = presentedKey(request);
        if (presented.isEmpty()) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            refuse(family, request, response, HttpStatus.UNAUTHORIZED,
                    "send an API key in X-API-Key or Authorization: Bearer");
            return;
        }
        Optional<ApiKeys.Identity> identity = keys.lookup(presented.get());
        if (identity.isEmpty()) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
            refuse(family, request, response, HttpStatus.UNAUTHORIZED, "the API key is not valid");
            return;
        }
        Role role = identity.get().role();
        if (!family.allows(role, request.getMethod(), request.getRequestURI())) {
            refuse(family, request, response, HttpStatus.FORBIDDEN, "the " + role.name().toLowerCase()
                    + " role may not " + request.getMethod() + " " + request.getRequestURI());
            return;
        }
        if (family == RouteFamily.SEGMENTATION && request.getMethod().equals("POST")) {
            long wait = limiter.acquire(identity.get().name());
            if (wait > 0) {
                response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(wait));
                problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, "rate-limited", "Too many requests",
                        "segmentation requests for this key are over their rate; retry after " + wait + " s");
                return;
            }
        }
        request.setAttribute(IDENTITY, identity.get());
        chain.doFilter(new WithoutKey(request), response);
    }

    /**
     * A 401 or 403 as a problem detail, or, on MLflow's paths, as MLflow's error body
     * ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}): MLflow's clients show its message only in
     * that shape.
     */
    private void refuse(RouteFamily family, HttpServletRequest request, HttpServletResponse response,
                        HttpStatus status, String detail) throws IOException {
        boolean unauthenticated = status == HttpStatus.UNAUTHORIZED;
        if (family == RouteFamily.MLFLOW) {
            problems.writeMlflow(response, status, unauthenticated ? "UNAUTHENTICATED" : "PERMISSION_DENIED", detail);
        } else {
            problems.write(request, response, status, unauthenticated ? "unauthenticated" : "forbidden",
                    unauthenticated ? "Unauthenticated" : "Forbidden", detail);
        }
    }

    private static Optional<String> presentedKey(HttpServletRequest request) {
        String key = request.getHeader(HEADER);
        if (key != null && !key.isBlank()) {
            return Optional.of(key.strip());
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(authorization.substring(7).strip()).filter(k -> !k.isEmpty());
        }
        return Optional.empty();
    }

    /** Keeps the caller's credentials from reaching the backends. */
    private static final class WithoutKey extends jakarta.servlet.http.HttpServletRequestWrapper {
        WithoutKey(HttpServletRequest request) {
            super(request);
        }

        private static boolean hidden(String name) {
            return HEADER.equalsIgnoreCase(name) || HttpHeaders.AUTHORIZATION.equalsIgnoreCase(name);
        }

        @Override
        public String getHeader(String name) {
            return hidden(name) ? null : super.getHeader(name);
        }

        @Override
        public java.util.Enumeration<String> getHeaders(String name) {
            return hidden(name) ? java.util.Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public java.util.Enumeration<String> getHeaderNames() {
            return java.util.Collections.enumeration(java.util.Collections.list(super.getHeaderNames()).stream()
                    .filter(name -> !hidden(name)).toList());
        }
    }
}
