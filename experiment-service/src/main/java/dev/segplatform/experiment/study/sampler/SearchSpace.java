package dev.segplatform.experiment.study.sampler;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The parameters a study searches over, in a fixed order (the order the user gave). */
public record SearchSpace(List<Param> params) {

    public SearchSpace {
        params = List.copyOf(params);
        Set<String> names = new HashSet<>();
        for (Param param : params) {
            if (!names.add(param.name())) {
                throw new IllegalArgumentException("parameter " + param.name() + " appears twice");
            }
        }
    }

    public static SearchSpace of(Param... params) {
        return new SearchSpace(List.of(params));
    }
}
