/// XML 1.0 escaping for text and attribute values, shared by the AppLocker emitter and the JUnit
/// report: `& < > " '` become entities, TAB, LF and CR become character references (so an
/// attribute keeps them instead of normalising them to spaces), and characters XML 1.0 cannot
/// carry at all become U+FFFD. No value can close its attribute or element.
public enum XMLText {
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t": out += "&#9;"
            case "\r": out += "&#13;"
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
