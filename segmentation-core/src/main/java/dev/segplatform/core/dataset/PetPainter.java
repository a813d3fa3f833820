package dev.segplatform.core.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Draws one synthetic pet picture and its trimap from a random generator: a textured background
 * (gradient, stripes, blotchy noise or tiles, sometimes a floor line) and one animal-like shape (body
 * ellipse, head, pointed or floppy ears, legs, tail) in a fur colour with a pattern and shading. Pet
 * and background colours come from overlapping ranges, so colour alone does not separate them; shape
 * and texture do. Everything derives from the generator, so the same seed draws the same picture.
 */
final class PetPainter {

    private static final int MIN_SIDE = 100;
    private static final int MAX_SIDE = 300;

    private PetPainter() {
    }

    /** Packed RGB pixels and the trimap (1, 2, 3) of one picture. */
    record Picture(int width, int height, int[] rgb, byte[] trimap) {
    }


    static Picture draw(Random r, PetBreed breed) {
        int w = MIN_SIDE + r.nextInt(MAX_SIDE - MIN_SIDE + 1);
        int h = MIN_SIDE + r.nextInt(MAX_SIDE - MIN_SIDE + 1);
        float[] rgb = new float[w * h * 3];
        Animal animal = Animal.random(r, breed, w, h);
        Background.paint(r, w, h, rgb, animal.fur());
        boolean[] pet = animal.rasterise(w, h);
        animal.paint(r, w, h, pet, rgb);
        if (r.nextBoolean()) {
            boxBlur(w, h, rgb);
        }
        int[] packed = new int[w * h];
        for (int i = 0; i < packed.length; i++) {
            int red = clamp(rgb[i * 3]);
            int green = clamp(rgb[i * 3 + 1]);
            int blue = clamp(rgb[i * 3 + 2]);
            packed[i] = (red << 16) | (green << 8) | blue;
        }
        return new Picture(w, h, packed, trimap(pet, w, h, r.nextBoolean() ? 0 : 1));
    }

    /**
     * 1 inside, 2 outside, 3 on a band straddling the outline: the pixels on either side of it plus
     * everything within {@code extra} px of those, so the band is 2 or 4 px wide.
     */
    static byte[] trimap(boolean[] pet, int w, int h, int extra) {
        byte[] t = new byte[w * h];
        for (int i = 0; i < t.length; i++) {
            t[i] = (byte) (pet[i] ? 1 : 2);
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean v = pet[y * w + x];
                boolean edge = (x > 0 && pet[y * w + x - 1] != v) || (x < w - 1 && pet[y * w + x + 1] != v)
                        || (y > 0 && pet[(y - 1) * w + x] != v) || (y < h - 1 && pet[(y + 1) * w + x] != v);
                if (!edge) {
                    continue;
                }
                for (int dy = -extra; dy <= extra; dy++) {
                    for (int dx = -extra; dx <= extra; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        if (Math.abs(dx) + Math.abs(dy) <= extra && xx >= 0 && yy >= 0 && xx < w && yy < h) {
                            t[yy * w + xx] = 3;
                        }
                    }
                }
            }
        }
        return t;
    }

    private static void boxBlur(int w, int h, float[] rgb) {
        float[] src = rgb.clone();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    float sum = 0;
                    int n = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) {
                            int xx = x + dx;
                            int yy = y + dy;
                            if (xx >= 0 && yy >= 0 && xx < w && yy < h) {
                                sum += src[(yy * w + xx) * 3 + c];
                                n++;
                            }
                        }
                    }
                    rgb[(y * w + x) * 3 + c] = sum / n;
                }
            }
        }
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    private static float[] randomColour(Random r) {
        return new float[] {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
    }

    /**
     * A random colour at least {@link #MIN_CONTRAST} (RGB distance) from {@code fur}: any colour can
     * be pet or background across the data set, but within one picture the pet stands out, as a
     * pet usually does in a photo, which keeps the task learnable at 32 px.
     */
    private static float[] colourAwayFrom(Random r, float[] fur) {
        while (true) {
            float[] c = randomColour(r);
            double d = Math.sqrt(Math.pow(c[0] - fur[0], 2) + Math.pow(c[1] - fur[1], 2) + Math.pow(c[2] - fur[2], 2));
            if (d >= MIN_CONTRAST) {
                return c;
            }
        }
    }

    private static final double MIN_CONTRAST = 90;

    /** Smooth value noise in [0, 1): random values on a coarse grid, bilinearly interpolated. */
    private static float[] valueNoise(Random r, int w, int h, int cell) {
        int gw = w / cell + 2;
        int gh = h / cell + 2;
        float[] grid = new float[gw * gh];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = r.nextFloat();
        }
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            float gy = (float) y / cell;
            int y0 = (int) gy;
            float fy = gy - y0;
            for (int x = 0; x < w; x++) {
                float gx = (float) x / cell;
                int x0 = (int) gx;
                float fx = gx - x0;
                float top = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x0 + 1] * fx;
                float bottom = grid[(y0 + 1) * gw + x0] * (1 - fx) + grid[(y0 + 1) * gw + x0 + 1] * fx;
                out[y * w + x] = top * (1 - fy) + bottom * fy;
            }
        }
        return out;
    }

    /** Background textures, optionally split by a floor line into two different ones. */
    private static final class Background {

        static void paint(Random r, int w, int h, float[] rgb, float[] fur) {
            float[] upper = texture(r, w, h, fur);
            if (r.nextDouble() < 0.4) {
                float[] lower = texture(r, w, h, fur);
                int floor = (int) (h * (0.45 + 0.35 * r.nextDouble()));
                for (int i = floor * w * 3; i < rgb.length; i++) {
                    upper[i] = lower[i];
                }
            }
            System.arraycopy(upper, 0, rgb, 0, rgb.length);
        }

        private static float[] texture(Random r, int w, int h, float[] fur) {
            float[] a = colourAwayFrom(r, fur);
            float[] b = colourAwayFrom(r, fur);
            float[] out = new float[w * h * 3];
            int kind = r.nextInt(4);
            float[] noise = kind == 2 ? valueNoise(r, w, h, 4 + r.nextInt(20)) : null;
            double angle = r.nextDouble() * Math.PI;
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double period = 6 + r.nextInt(25);
            int tile = 8 + r.nextInt(24);
            float grain = 4 + 14 * r.nextFloat();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double t = switch (kind) {
                        case 0 -> (x * cos + y * sin) / (w * Math.abs(cos) + h * Math.abs(sin) + 1);
                        case 1 -> 0.5 + 0.5 * Math.sin(2 * Math.PI * (x * cos + y * sin) / period);
                        case 2 -> noise[y * w + x];
                        default -> ((x / tile + y / tile) % 2 == 0) ? 0.15 : 0.85;
                    };
                    t = Math.max(0, Math.min(1, t));
                    for (int c = 0; c < 3; c++) {
                        out[(y * w + x) * 3 + c] = (float) (a[c] * (1 - t) + b[c] * t) + grain * (float) r.nextGaussian();
                    }
                }
            }
            return out;
        }
    }

    /** A shape that knows whether a point is inside. */
    private interface Part {
        boolean contains(double x, double y);
    }

    private record Ellipse(double cx, double cy, double a, double b, double angle) implements Part {
        public boolean contains(double x, double y) {
            double dx = x - cx;
            double dy = y - cy;
            double u = dx * Math.cos(angle) + dy * Math.sin(angle);
            double v = -dx * Math.sin(angle) + dy * Math.cos(angle);
            return (u * u) / (a * a) + (v * v) / (b * b) <= 1;
        }
    }

    /** All points within {@code radius} of the segment (x0, y0)-(x1, y1): a leg or a tail. */
    private record Capsule(double x0, double y0, double x1, double y1, double radius) implements Part {
        public boolean contains(double x, double y) {
            double vx = x1 - x0;
            double vy = y1 - y0;
            double t = ((x - x0) * vx + (y - y0) * vy) / (vx * vx + vy * vy);
            t = Math.max(0, Math.min(1, t));
            double dx = x - (x0 + t * vx);
            double dy = y - (y0 + t * vy);
            return dx * dx + dy * dy <= radius * radius;
        }
    }

    private record Triangle(double ax, double ay, double bx, double by, double cx, double cy) implements Part {
        public boolean contains(double x, double y) {
            double d1 = (x - bx) * (ay - by) - (ax - bx) * (y - by);
            double d2 = (x - cx) * (by - cy) - (bx - cx) * (y - cy);
            double d3 = (x - ax) * (cy - ay) - (cx - ax) * (y - ay);
            boolean neg = d1 < 0 || d2 < 0 || d3 < 0;
            boolean pos = d1 > 0 || d2 > 0 || d3 > 0;
            return !(neg && pos);
        }
    }

    /** A body, head, ears, legs and tail, plus how to colour them. */
    private record Animal(List<Part> parts, double cx, double cy, double size, double angle, float[] fur,
                          float[] second, int pattern) {

        static Animal random(Random r, PetBreed breed, int w, int h) {
            double size = Math.min(w, h) * (0.26 + 0.12 * r.nextDouble());
            double cx = w * (0.38 + 0.24 * r.nextDouble());
            double cy = h * (0.42 + 0.2 * r.nextDouble());
            double angle = (r.nextDouble() - 0.5) * 0.6;
            int facing = r.nextBoolean() ? 1 : -1;
            double bodyA = size;
            double bodyB = size * (0.45 + 0.25 * r.nextDouble());
            double ax = Math.cos(angle);
            double ay = Math.sin(angle);
            List<Part> parts = new ArrayList<>();
            parts.add(new Ellipse(cx, cy, bodyA, bodyB, angle));

            double headR = size * (0.35 + 0.15 * r.nextDouble());
            double hx = cx + facing * ax * bodyA * 0.85;
            double hy = cy + facing * ay * bodyA * 0.85 - bodyB * (0.5 + 0.4 * r.nextDouble());
            parts.add(new Ellipse(hx, hy, headR, headR * (0.8 + 0.3 * r.nextDouble()), angle));
            if (breed.isCat()) {
                for (int side = -1; side <= 1; side += 2) {
                    double bx = hx + side * headR * 0.55;
                    double by = hy - headR * 0.45;
                    parts.add(new Triangle(bx - headR * 0.35, by + headR * 0.2, bx + headR * 0.35, by + headR * 0.2,
                            bx + side * headR * 0.15, by - headR * (0.7 + 0.3 * r.nextDouble())));
                }
            } else {
                for (int side = -1; side <= 1; side += 2) {
                    parts.add(new Ellipse(hx + side * headR * 0.85, hy + headR * 0.2, headR * 0.25,
                            headR * (0.55 + 0.3 * r.nextDouble()), side * 0.3));
                }
                parts.add(new Ellipse(hx + facing * headR * 0.9, hy + headR * 0.25, headR * 0.5, headR * 0.35, 0));
            }
            int legs = r.nextBoolean() ? 4 : 2;
            double legLength = size * (0.55 + 0.35 * r.nextDouble());
            double legRadius = size * (0.09 + 0.06 * r.nextDouble());
            for (int i = 0; i < legs; i++) {
                double along = -0.7 + 1.4 * (legs == 2 ? i : i / 3.0);
                double lx = cx + ax * bodyA * along;
                double ly = cy + ay * bodyA * along + bodyB * 0.5;
                parts.add(new Capsule(lx, ly, lx + (r.nextDouble() - 0.5) * legRadius * 2, ly + legLength, legRadius));
            }
            double tx = cx - facing * ax * bodyA * 0.95;
            double ty = cy - facing * ay * bodyA * 0.95;
            double tailAngle = -Math.PI / 2 + (r.nextDouble() - 0.5) * 2.2;
            double tailLength = size * (0.5 + 0.6 * r.nextDouble());
            parts.add(new Capsule(tx, ty, tx - facing * Math.abs(Math.cos(tailAngle)) * tailLength,
                    ty + Math.sin(tailAngle) * tailLength, size * (0.05 + 0.07 * r.nextDouble())));

            float[] fur = FUR[r.nextInt(FUR.length)].clone();
            for (int c = 0; c < 3; c++) {
                fur[c] = fur[c] + (r.nextFloat() - 0.5f) * 60;
            }
            float[] second = r.nextDouble() < 0.3 ? randomColour(r) : FUR[r.nextInt(FUR.length)].clone();
            return new Animal(parts, cx, cy, size, angle, fur, second, r.nextInt(4));
        }

        boolean[] rasterise(int w, int h) {
            boolean[] mask = new boolean[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (Part p : parts) {
                        if (p.contains(x + 0.5, y + 0.5)) {
                            mask[y * w + x] = true;
                            break;
                        }
                    }
                }
            }
            return mask;
        }

        /** Fur colour with a pattern (plain, stripes, spots, two-tone), fine grain and rim shading. */
        void paint(Random r, int w, int h, boolean[] pet, float[] rgb) {
            float[] spots = valueNoise(r, w, h, 5 + r.nextInt(8));
            double stripePeriod = size * (0.2 + 0.2 * r.nextDouble());
            float grain = 6 + 10 * r.nextFloat();
            double ax = Math.cos(angle);
            double ay = Math.sin(angle);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = y * w + x;
                    if (!pet[i]) {
                        continue;
                    }
                    double along = (x - cx) * ax + (y - cy) * ay;
                    double t = switch (pattern) {
                        case 1 -> Math.sin(2 * Math.PI * along / stripePeriod) > 0.3 ? 1 : 0;
                        case 2 -> spots[i] > 0.62 ? 1 : 0;
                        case 3 -> (y - cy) > size * 0.2 ? 0.8 : 0;
                        default -> 0;
                    };
                    double dist = Math.hypot(x - cx, y - cy) / (size * 1.6);
                    double shade = 1.05 - 0.35 * Math.min(1, dist * dist);
                    for (int c = 0; c < 3; c++) {
                        double base = fur[c] * (1 - t) + second[c] * t;
                        rgb[i * 3 + c] = (float) (base * shade + grain * r.nextGaussian());
                    }
                }
            }
        }
    }

    private static final float[][] FUR = {
            {120, 80, 45}, {60, 40, 25}, {25, 22, 20}, {225, 220, 210}, {150, 150, 150},
            {210, 140, 60}, {235, 210, 160}, {95, 95, 105}, {170, 110, 70}, {245, 245, 240},
    };
}
