package dev.segplatform.experiment.internal;

import dev.segplatform.experiment.api.InternalAuth;
import dev.segplatform.experiment.problem.ForbiddenException;
import dev.segplatform.experiment.problem.UnauthorizedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses job protocol calls without the internal token (401) or with a wrong one (403). An
 * interceptor rather than a servlet filter, so the refusal is a problem detail from the one advice.
 */
class InternalTokenInterceptor implements HandlerInterceptor {

    private final InternalToken token;

    InternalTokenInterceptor(InternalToken token) {
        this.token = token;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String presented = request.getHeader(InternalAuth.HEADER);
        if (presented == null || presented.isBlank()) {
            throw new UnauthorizedException("the job protocol requires the internal token in the "
                    + InternalAuth.HEADER + " header (trainers: trainer.internal-token)");
        }
        if (!token.matches(presented.strip())) {
            throw new ForbiddenException("the " + InternalAuth.HEADER + " header does not hold this service's "
                    + "internal token");
        }
        return true;
    }
}
