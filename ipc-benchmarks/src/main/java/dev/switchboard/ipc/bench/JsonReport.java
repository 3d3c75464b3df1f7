package dev.switchboard.ipc.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docs/benchmarks.json: the machine header and one object per figure, for tools that track the
 * numbers across runs. Written by hand (a few dozen lines) rather than pulling a JSON library
 * into the benchmark jar.
 */
public final class JsonReport {

    private JsonReport() {}

    public static String render(String mode, Map<String, String> machine, List<Figure> figures,
                                List<MicroResult> micro, List<Targets.Verdict> targets) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("mode", mode);
        root.put("machine", machine);
        List<Object> list = new ArrayList<>();
        for (Figure f : figures) {
            list.add(object(f));
        }
        for (MicroResult m : micro) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("series", m.benchmark());
            o.put("metric", m.unit().equals("ops/s") ? "ops_per_s" : "ns_per_op");
            o.put("payload_bytes", m.payloadBytes());
            o.put("mean", m.mean());
            o.put("error_99_9", m.error());
            o.put("unit", m.unit());
            if (!Double.isNaN(m.allocBytesPerOp())) {
                o.put("alloc_bytes_per_op", m.allocBytesPerOp());
            }
            o.put("source", "jmh");
            list.add(o);
        }
        root.put("figures", list);
        List<Object> t = new ArrayList<>();
        for (Targets.Verdict v : targets) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("target", v.target());
            o.put("mode", v.mode());
            o.put("measured", v.measured());
            o.put("status", v.status());
            t.add(o);
        }
        root.put("targets", t);
        StringBuilder sb = new StringBuilder();
        write(sb, root, 0);
        return sb.append('\n').toString();
    }

    static Map<String, Object> object(Figure f) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("series", f.series());
        o.put("metric", f.metric());
        o.put("payload_bytes", f.payloadBytes());
        o.put("pinned", f.pinned());
        o.put("children", f.children());
        o.put("p50", f.p50());
        o.put("p99", f.p99());
        o.put("samples", f.samples());
        o.put("ratio_to_floor", f.ratioToFloor());
        o.put("status", f.measured() ? "ok" : "not measured");
        if (f.problem() != null) {
            o.put("note", f.problem());
        }
        o.putAll(f.extra());
        return o;
    }

    static void write(StringBuilder sb, Object v, int indent) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b);
        } else if (v instanceof Integer || v instanceof Long) {
            sb.append(v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                sb.append("null");
            } else {
                // six significant digits: more than any of these measurements can claim
                sb.append(new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros().toPlainString());
            }
        } else if (v instanceof Map<?, ?> m) {
            sb.append("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "\n" : ",\n");
                first = false;
                pad(sb, indent + 1);
                string(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
            }
            if (!first) {
                sb.append("\n");
                pad(sb, indent);
            }
            sb.append("}");
        } else if (v instanceof List<?> l) {
            sb.append("[");
            boolean first = true;
            for (Object e : l) {
                sb.append(first ? "\n" : ",\n");
                first = false;
                pad(sb, indent + 1);
                write(sb, e, indent + 1);
            }
            if (!first) {
                sb.append("\n");
                pad(sb, indent);
            }
            sb.append("]");
        } else {
            string(sb, v.toString());
        }
    }

    private static void pad(StringBuilder sb, int indent) {
        sb.append("  ".repeat(indent));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
