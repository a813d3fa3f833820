package dev.segplatform.experiment.run.search;

import java.util.List;

/**
 * A parsed run filter: clauses joined by AND. Values stay typed values here and become bind
 * parameters later; nothing a user typed is ever spliced into SQL.
 */
record Filter(List<Clause> clauses) {

    enum Entity { METRIC, PARAM, TAG, ATTRIBUTE }

    enum Op {
        EQ("="), NE("<>"), LT("<"), LE("<="), GT(">"), GE(">="), LIKE("like"), ILIKE("ilike"), IN("in"), NOT_IN("not in");

        final String sql;

        Op(String sql) {
            this.sql = sql;
        }

        boolean ordering() {
            return this == LT || this == LE || this == GT || this == GE;
        }
    }

    /** A literal: a number, a string, or a parenthesised list of strings for IN. */
    sealed interface Value permits Number, Text, TextList {
    }

    record Number(double value) implements Value {
    }

    record Text(String value) implements Value {
    }

    record TextList(List<String> values) implements Value {
    }

    record Clause(Entity entity, String key, Op op, Value value) {
    }
}
