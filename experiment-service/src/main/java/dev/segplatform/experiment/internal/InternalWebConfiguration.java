package dev.segplatform.experiment.internal;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class InternalWebConfiguration implements WebMvcConfigurer {

    private final InternalToken token;

    InternalWebConfiguration(InternalToken token) {
        this.token = token;
    }

    /** The job protocol hands out work and write access to runs; only trainers may speak it. */
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new InternalTokenInterceptor(token)).addPathPatterns("/api/jobs/**");
    }
}
