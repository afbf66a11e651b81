// How the JVM reads what start-zookeeper writes: the oracle for tests/unit/test_readers.py.
//
// One request per line on stdin, one answer per line on stdout, so one JVM
// serves a whole test session:
//   props <file>  ->  <hex key>=<hex value> ... for every entry, as ZooKeeper's
//                     QuorumPeerConfig sees them: Properties.load(InputStream),
//                     then value.trim()
//   url <url>     ->  the hex of the bytes the JVM reads from the URL, as
//                     log4j 1.2 reads -Dlog4j.configuration
//   int <text>    ->  Integer.parseInt(text), or ERROR
//   jaas <file>   ->  <hex section.option>=<hex value> ... for every login
//                     module option of every section, as the JVM's JAAS
//                     configuration (ZooKeeper's SASL) reads the file
// Text is hex-encoded UTF-8 so nothing in a value can break the protocol;
// file arguments are hex-encoded too. Failures answer "ERROR <message>".
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.security.URIParameter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.TreeMap;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;

public class JavaReaders {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] request = line.split(" ", 2);
            String answer;
            try {
                String argument = unhex(request[1]);
                answer = switch (request[0]) {
                    case "props" -> props(argument);
                    case "url" -> hex(read(new URL(argument).openStream()));
                    case "int" -> Integer.toString(Integer.parseInt(argument));
                    case "jaas" -> jaas(argument);
                    default -> "ERROR unknown request";
                };
            } catch (Exception error) {
                answer = "ERROR " + error.getClass().getSimpleName();
            }
            System.out.println(answer);
            System.out.flush();
        }
    }

    static String props(String path) throws Exception {
        Properties properties = new Properties();
        try (InputStream stream = new FileInputStream(path)) {
            properties.load(stream);
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (String key : properties.stringPropertyNames()) {
            sorted.put(key, properties.getProperty(key).trim());
        }
        return pairs(sorted);
    }

    static String jaas(String path) throws Exception {
        Configuration configuration = Configuration.getInstance(
                "JavaLoginConfig", new URIParameter(new File(path).toURI()));
        TreeMap<String, String> sorted = new TreeMap<>();
        for (String section : new String[] {"Server", "QuorumServer", "QuorumLearner"}) {
            AppConfigurationEntry[] entries = configuration.getAppConfigurationEntry(section);
            for (AppConfigurationEntry entry : entries == null ? new AppConfigurationEntry[0] : entries) {
                entry.getOptions().forEach((key, value) -> sorted.put(section + "." + key, value.toString()));
            }
        }
        return pairs(sorted);
    }

    static String pairs(TreeMap<String, String> sorted) {
        StringBuilder out = new StringBuilder();
        for (var entry : sorted.entrySet()) {
            if (out.length() > 0) out.append(' ');
            out.append(hex(entry.getKey().getBytes(StandardCharsets.UTF_8)));
            out.append('=');
            out.append(hex(entry.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        return out.toString();
    }

    static byte[] read(InputStream stream) throws Exception {
        try (stream) {
            return stream.readAllBytes();
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder("x");
        for (byte b : bytes) out.append(String.format("%02x", b));
        return out.toString();
    }

    static String unhex(String text) {
        byte[] bytes = new byte[text.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
