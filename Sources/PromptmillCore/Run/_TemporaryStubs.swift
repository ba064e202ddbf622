// TEMPORARY: removed as soon as the tokenizer lands.
public enum TokenEncoding: String, Sendable, CaseIterable { case cl100k_base, o200k_base
  public static func forModel(_ model: String) -> TokenEncoding? { model.hasPrefix("gpt-3.5") ? .cl100k_base : nil } }
public final class Tokenizer: Sendable { public static func shared(_ e: TokenEncoding) throws -> Tokenizer { Tokenizer() }
  public func count(_ text: String) -> Int { text.utf8.count / 4 } }
