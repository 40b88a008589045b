import PalisadeModel

/// How values are written into AppLocker policy XML.
///
/// Every attribute value goes through ``attribute(_:)``: `& < > " '` become entities, so no value
/// can close its attribute or element and add or change a rule. Free text (rule names and
/// descriptions) is made one line of at most ``maxTextLength`` characters with ``freeText(_:)``;
/// values that carry meaning (paths, publisher fields, SIDs) are checked with
/// ``conditionValueProblem(_:)`` and refused rather than altered.
enum AppLockerXMLText {
    /// The schema's limit for `Name` and `Description`, in characters.
    static let maxTextLength = 1024

    /// Every value reaching here has been refused or cleaned of control characters already, so
    /// only the five entities ever apply.
    static func attribute(_ value: String) -> String { XMLText.escaped(value) }

    /// True for characters XML 1.0 cannot carry, or carries only as a space (TAB, LF, CR in
    /// attributes are normalised), and for C1 controls and DEL, which have no place in a name.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F) || scalar.value == 0xFFFE
            || scalar.value == 0xFFFF
    }

    /// One line, control characters as spaces, at most `maxTextLength` characters (a cut value
    /// ends in `…`). Counted in Unicode scalars, as XML Schema counts characters.
    static func freeText(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(isControl(scalar) ? " " : scalar)
        }
        if scalars.count > maxTextLength {
            scalars = String.UnicodeScalarView(scalars.prefix(maxTextLength - 1))
            scalars.append("…")
        }
        return String(scalars)
    }

    /// Why a condition value (path, publisher field) cannot be written, or nil.
    static func conditionValueProblem(_ value: String) -> String? {
        if value.unicodeScalars.contains(where: isControl) { return "contains a control character" }
        return nil
    }
}
