package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.CsvConfig;

/** How a CSV line becomes fields: RFC 4180 quoting read by Commons CSV, and the plain scan of quote-free lines. */
class CsvFieldsTest {
    private static final CsvFields COMMA = new CsvFields(',');

    @Test
    void quotedFieldsKeepTheirDelimitersAndEscapedQuotes() {
        assertArrayEquals(new String[] {"1", "2,5", "3"}, COMMA.split("1,\"2,5\",3"));
        assertArrayEquals(new String[] {"a \"b\" c", "", "x"}, COMMA.split("\"a \"\"b\"\" c\",\"\",x"));
        assertArrayEquals(new String[] {"1;2", "3"}, new CsvFields(';').split("\"1;2\";3"));
        assertArrayEquals(new String[] {"1", "2 3", "4"}, new CsvFields(CsvConfig.WHITESPACE).split(" 1 \t\"2 3\"  4 "));
    }

    @Test
    void quotesThatDoNotCloseOnTheLineAreABadRowThatSaysWhy() {
        BadRowException open = assertThrows(BadRowException.class, () -> COMMA.split("1,\"2,3"));
        assertEquals("a quoted field is not closed on its line (a line break inside quotes is not read: the file is"
                + " read in ranges that start at line breaks)", open.problem());
        BadRowException after = assertThrows(BadRowException.class, () -> COMMA.split("1,\"2\"x,3"));
        assertEquals("a quoted field is followed by text before the next delimiter (a quote inside quotes is written"
                + " twice: \"\")", after.problem());
    }

    /** The plain scan is only a faster way to the same fields: on lines without quotes it must agree with Commons CSV. */
    @Test
    void thePlainScanGivesCommonsCsvsFieldsOnLinesWithoutQuotes() {
        char[] delimiters = {',', ';', '\t', '|', CsvConfig.WHITESPACE};
        String alphabet = "0123456789.-e ,;\t|";
        SplittableRandom random = new SplittableRandom(31);
        for (char delimiter : delimiters) {
            CsvFields fields = new CsvFields(delimiter);
            for (int i = 0; i < 5000; i++) {
                StringBuilder line = new StringBuilder();
                for (int n = random.nextInt(40); n > 0; n--) {
                    line.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                String text = line.toString();
                if (delimiter == CsvConfig.WHITESPACE && text.isBlank()) {
                    continue; // readers skip blank lines before splitting
                }
                assertArrayEquals(fields.splitQuoted(text), fields.splitPlain(text),
                        "delimiter '" + delimiter + "', line '" + text + "'");
            }
        }
    }

    @Test
    void theByteOrderMarkIsStrippedFromTheFirstLineOnly() throws IOException {
        assertEquals("a,b", CsvFields.withoutBom("\uFEFFa,b"));
        assertEquals("a,b", CsvFields.withoutBom("a,b"));
        assertEquals("", CsvFields.withoutBom(""));
        CsvFields.FirstLine first = CsvFields.firstLine(stream("\uFEFF\r\n  \r\nx,y,label\r\n1,2,0\r\n"));
        assertEquals(new CsvFields.FirstLine("x,y,label", 3), first, "a BOM-only line is blank; CRLF is a line end");
        assertNull(CsvFields.firstLine(stream("\n \n")));
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
