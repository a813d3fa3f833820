package dev.segplatform.experiment.run.search;

import dev.segplatform.experiment.problem.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses MLflow-style run filters such as
 * {@code metrics.val_mean_iou > 0.8 and params.model = 'unet'}. Identifiers are
 * {@code metrics.KEY}, {@code params.KEY}, {@code tags.KEY} and {@code attributes.NAME}; a key with
 * unusual characters can be quoted with backticks or double quotes. Strings take single quotes
 * ({@code ''} escapes one). Only AND joins clauses, as in MLflow.
 */
final class FilterParser {

    private final String text;
    private final String field;
    private int pos;

    private FilterParser(String text, String field) {
        this.text = text;
        this.field = field;
    }

    static Filter parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return new Filter(List.of());
        }
        return new FilterParser(filter, "filter").filter();
    }

    /** Parses the {@code ENTITY.KEY} that starts {@code text}, as an order-by term does; errors name {@code field}. */
    static Identifier identifier(String text, String field) {
        return new FilterParser(text, field).identifier();
    }

    record Identifier(Filter.Entity entity, String key, int end) {
    }

    private Filter filter() {
        List<Filter.Clause> clauses = new ArrayList<>();
        clauses.add(clause());
        while (true) {
            skipSpace();
            if (pos >= text.length()) {
                return new Filter(clauses);
            }
            String word = peekWord();
            if (word.equalsIgnoreCase("and")) {
                pos += 3;
                clauses.add(clause());
            } else if (word.equalsIgnoreCase("or")) {
                throw error("OR is not supported; only AND joins clauses");
            } else {
                throw error("expected AND or the end of the filter");
            }
        }
    }

    private Filter.Clause clause() {
        Identifier id = identifier();
        Filter.Op op = operator();
        Filter.Value value = value(op);
        return check(new Filter.Clause(id.entity(), id.key(), op, value));
    }

    private Identifier identifier() {
        skipSpace();
        int start = pos;
        while (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        String prefix = text.substring(start, pos).toLowerCase(Locale.ROOT);
        Filter.Entity entity = switch (prefix) {
            case "metric", "metrics" -> Filter.Entity.METRIC;
            case "param", "params", "parameter", "parameters" -> Filter.Entity.PARAM;
            case "tag", "tags" -> Filter.Entity.TAG;
            case "attribute", "attributes", "attr", "run" -> Filter.Entity.ATTRIBUTE;
            default -> {
                // A bare attribute name (start_time DESC) is an attribute, as MLflow reads it.
                if ((pos >= text.length() || text.charAt(pos) != '.') && RunAttribute.isName(prefix)) {
                    yield null;
                }
                pos = start;
                throw error("expected metrics., params., tags. or attributes.");
            }
        };
        if (entity == null) {
            return new Identifier(Filter.Entity.ATTRIBUTE, text.substring(start, pos), pos);
        }
        if (pos >= text.length() || text.charAt(pos) != '.') {
            throw error("expected '.' after '" + prefix + "'");
        }
        pos++;
        String key;
        if (pos < text.length() && (text.charAt(pos) == '`' || text.charAt(pos) == '"')) {
            key = quoted(text.charAt(pos));
        } else {
            int keyStart = pos;
            while (pos < text.length() && isKeyChar(text.charAt(pos))) {
                pos++;
            }
            key = text.substring(keyStart, pos);
        }
        if (key.isEmpty()) {
            throw error("expected a key after '" + prefix + ".'");
        }
        return new Identifier(entity, key, pos);
    }

    private Filter.Op operator() {
        skipSpace();
        for (String symbol : new String[] {"!=", "<>", "<=", ">=", "=", "<", ">"}) {
            if (text.startsWith(symbol, pos)) {
                pos += symbol.length();
                return switch (symbol) {
                    case "!=", "<>" -> Filter.Op.NE;
                    case "<=" -> Filter.Op.LE;
                    case ">=" -> Filter.Op.GE;
                    case "=" -> Filter.Op.EQ;
                    case "<" -> Filter.Op.LT;
                    default -> Filter.Op.GT;
                };
            }
        }
        String word = peekWord().toLowerCase(Locale.ROOT);
        switch (word) {
            case "like" -> {
                pos += 4;
                return Filter.Op.LIKE;
            }
            case "ilike" -> {
                pos += 5;
                return Filter.Op.ILIKE;
            }
            case "in" -> {
                pos += 2;
                return Filter.Op.IN;
            }
            case "not" -> {
                pos += 3;
                skipSpace();
                if (peekWord().equalsIgnoreCase("in")) {
                    pos += 2;
                    return Filter.Op.NOT_IN;
                }
                throw error("expected IN after NOT");
            }
            default -> throw error("expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)");
        }
    }

    private Filter.Value value(Filter.Op op) {
        skipSpace();
        if (pos >= text.length()) {
            throw error("expected a value");
        }
        char c = text.charAt(pos);
        if (op == Filter.Op.IN || op == Filter.Op.NOT_IN) {
            if (c != '(') {
                throw error("expected '(' to start the IN list");
            }
            pos++;
            List<String> values = new ArrayList<>();
            while (true) {
                skipSpace();
                if (pos >= text.length() || (text.charAt(pos) != '\'' && text.charAt(pos) != '"')) {
                    throw error("expected a quoted string in the IN list");
                }
                values.add(quoted(text.charAt(pos)));
                skipSpace();
                if (pos < text.length() && text.charAt(pos) == ',') {
                    pos++;
                } else if (pos < text.length() && text.charAt(pos) == ')') {
                    pos++;
                    return new Filter.TextList(values);
                } else {
                    throw error("expected ',' or ')' in the IN list");
                }
            }
        }
        if (c == '\'' || c == '"') {
            return new Filter.Text(quoted(c));
        }
        int start = pos;
        while (pos < text.length() && "+-.0123456789eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String number = text.substring(start, pos);
        try {
            return new Filter.Number(Double.parseDouble(number));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("expected a number or a quoted string");
        }
    }

    /** Reads a string delimited by {@code quote}; a doubled quote stands for one. */
    private String quoted(char quote) {
        int start = pos;
        pos++;
        StringBuilder value = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == quote) {
                if (pos < text.length() && text.charAt(pos) == quote) {
                    value.append(quote);
                    pos++;
                } else {
                    return value.toString();
                }
            } else {
                value.append(c);
            }
        }
        pos = start;
        throw error("unterminated " + quote + "-quoted text");
    }

    private Filter.Clause check(Filter.Clause clause) {
        boolean number = clause.value() instanceof Filter.Number;
        switch (clause.entity()) {
            case METRIC -> {
                if (!number || clause.op() == Filter.Op.LIKE || clause.op() == Filter.Op.ILIKE) {
                    throw new InvalidInputException(field, "metrics." + clause.key()
                            + " compares with a number using =, !=, <, <=, > or >=");
                }
            }
            case PARAM, TAG -> {
                if (number || clause.op().ordering()) {
                    throw new InvalidInputException(field, clause.entity().name().toLowerCase(Locale.ROOT) + "s."
                            + clause.key() + " compares with a quoted string using =, !=, LIKE, ILIKE, IN or NOT IN");
                }
            }
            case ATTRIBUTE -> RunAttribute.of(clause.key(), field).check(clause, field);
        }
        return clause;
    }

    private static boolean isKeyChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == '/';
    }

    private String peekWord() {
        int end = pos;
        while (end < text.length() && Character.isLetter(text.charAt(end))) {
            end++;
        }
        return text.substring(pos, end);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private InvalidInputException error(String reason) {
        return new InvalidInputException(field, reason + " at position " + pos);
    }
}
