package dev.segplatform.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A small table for the console: a header and rows, each column as wide as its widest cell. A
 * column whose cells are all numbers (or "-") is right-aligned so their digits line up.
 */
final class TextTable {

    private static final Pattern NUMBER = Pattern.compile("-|[-+]?[0-9][0-9.,:]*%?");

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    TextTable(String... header) {
        this.header = List.of(header);
    }

    TextTable row(String... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + header.size());
        }
        rows.add(Arrays.asList(cells));
        return this;
    }

    /** The header and every row, each line starting with {@code indent}, without trailing blanks. */
    List<String> lines(String indent) {
        int columns = header.size();
        int[] widths = new int[columns];
        boolean[] numeric = new boolean[columns];
        for (int c = 0; c < columns; c++) {
            widths[c] = header.get(c).length();
            numeric[c] = !rows.isEmpty();
            for (List<String> row : rows) {
                widths[c] = Math.max(widths[c], row.get(c).length());
                numeric[c] &= NUMBER.matcher(row.get(c)).matches();
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(indent, header, widths, numeric));
        for (List<String> row : rows) {
            lines.add(line(indent, row, widths, numeric));
        }
        return lines;
    }

    private static String line(String indent, List<String> cells, int[] widths, boolean[] numeric) {
        StringBuilder line = new StringBuilder(indent);
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            String pad = " ".repeat(widths[c] - cell.length());
            line.append(c == 0 ? "" : "  ").append(numeric[c] ? pad + cell : cell + pad);
        }
        return line.toString().stripTrailing();
    }
}
