#include <ctype.h>
#include <stddef.h>
#include <string.h>

/* Counts the words of a string, where words are runs of letters or digits. */
size_t count_words(const char *text)
{
    size_t count = 0;
    int in_word = 0;
    if (text == NULL) {
        return 0;
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (isalnum((unsigned char)*p)) {
            if (!in_word) {
                count++;
                in_word = 1;
            }
        } else {
            in_word = 0;
        }
    }
    return count;
}

/* Parses a non-negative decimal number; returns -1 on bad input or overflow. */
long parse_number(const char *text, size_t length)
{
    long value = 0;
    size_t i = 0;
    while (i < length && text[i] == ' ') {
        i++;
    }
    if (i == length) {
        return -1;
    }
    for (; i < length; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return -1;
        }
        value = value * 10 + (text[i] - '0');
        if (value > 1000000L) {
            return -1;
        }
    }
    return value;
}

const char *severity_name(int level)
{
    switch (level) {
    case 0:
        return "debug";
    case 1:
        return "info";
    case 2:
        return "warning";
    default:
        return level > 2 ? "error" : "unknown";
    }
}
