package io.corvid.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a redis.conf-style file: one {@code name value...} directive per line, {@code #} starts a
 * comment line, arguments split as Redis's {@code sdssplitargs} splits them (double quotes with
 * {@code \n \r \t \b \a \\ \" \xHH} escapes, single quotes with {@code \'}). A directive with
 * several arguments (bind, client-output-buffer-limit) gets them joined by one space, which is how
 * CONFIG SET receives them too.
 */
public final class ConfigFile {
  private ConfigFile() {}

  /** A directive from the file, with its line number for error messages. */
  public record Directive(int line, String name, String value) {}

  public static List<Directive> read(Path file) throws IOException, ConfigException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  public static List<Directive> parse(String text) throws ConfigException {
    List<Directive> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      List<String> args = splitArgs(line);
      if (args == null) {
        throw new ConfigException("line " + (i + 1) + ": unbalanced quotes in configuration line");
      }
      if (args.size() < 2) {
        throw new ConfigException("line " + (i + 1) + ": Bad directive or wrong number of arguments: " + line);
      }
      out.add(new Directive(i + 1, args.get(0).toLowerCase(java.util.Locale.ROOT), String.join(" ", args.subList(1, args.size()))));
    }
    return out;
  }

  /** Redis's sdssplitargs: null on unbalanced quotes or a closing quote not followed by a space. */
  public static List<String> splitArgs(String line) {
    List<String> args = new ArrayList<>();
    int i = 0;
    int n = line.length();
    while (true) {
      while (i < n && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (i >= n) {
        return args;
      }
      StringBuilder cur = new StringBuilder();
      boolean inDq = false;
      boolean inSq = false;
      boolean done = false;
      while (!done) {
        if (inDq) {
          if (i >= n) {
            return null;
          }
          char c = line.charAt(i);
          if (c == '\\' && i + 3 < n && line.charAt(i + 1) == 'x' && isHex(line.charAt(i + 2)) && isHex(line.charAt(i + 3))) {
            cur.append((char) Integer.parseInt(line.substring(i + 2, i + 4), 16));
            i += 3;
          } else if (c == '\\' && i + 1 < n) {
            i++;
            char e = line.charAt(i);
            cur.append(switch (e) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              case 'b' -> '\b';
              case 'a' -> (char) 7;
              default -> e;
            });
          } else if (c == '"') {
            if (i + 1 < n && !Character.isWhitespace(line.charAt(i + 1))) {
              return null;
            }
            done = true;
          } else {
            cur.append(c);
          }
        } else if (inSq) {
          if (i >= n) {
            return null;
          }
          char c = line.charAt(i);
          if (c == '\\' && i + 1 < n && line.charAt(i + 1) == '\'') {
            i++;
            cur.append('\'');
          } else if (c == '\'') {
            if (i + 1 < n && !Character.isWhitespace(line.charAt(i + 1))) {
              return null;
            }
            done = true;
          } else {
            cur.append(c);
          }
        } else {
          if (i >= n) {
            done = true;
            args.add(cur.toString());
            return args;
          }
          char c = line.charAt(i);
          switch (c) {
            case ' ', '\n', '\r', '\t', '\0' -> done = true;
            case '"' -> inDq = true;
            case '\'' -> inSq = true;
            default -> cur.append(c);
          }
        }
        if (i < n) {
          i++;
        }
      }
      args.add(cur.toString());
    }
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0;
  }
}
