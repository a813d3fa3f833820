package dev.segplatform.gateway.dashboard;

import dev.segplatform.gateway.access.RouteFamily;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Security headers on the dashboard's files (its page, scripts, styles, and the WebJars it loads):
 * a strict Content-Security-Policy (scripts and styles from this origin only, nothing inline;
 * images from here or from {@code blob:} URLs the page made from downloads it fetched with the key;
 * no framing), {@code nosniff}, no referrer. API responses keep the headers their backend gave.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class DashboardHeadersFilter extends OncePerRequestFilter {

    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI();
        if (RouteFamily.isDashboard(path) || path.startsWith("/webjars/echarts/")) {
            response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.setHeader("X-Frame-Options", "DENY");
            response.setHeader("Referrer-Policy", "no-referrer");
            response.setHeader("Cache-Control", "no-cache");
        }
        chain.doFilter(request, response);
    }
}
