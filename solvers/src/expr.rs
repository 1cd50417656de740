//! A small arithmetic-expression language for initial conditions given as text,
//! e.g. `sin(2*pi*x/lx) + 0.1*cos(4*pi*y/ly)^2`.
//!
//! Grammar (usual precedence, `^` right-associative and binding tighter than unary minus):
//! expr = term {("+"|"-") term}; term = unary {("*"|"/") unary};
//! unary = ("-"|"+") unary | power; power = primary ["^" unary];
//! primary = number | name | name "(" expr ")" | "(" expr ")".
//! Names: `x`, `y` (coordinates), `lx`, `ly` (domain lengths), `pi`, `e`, and the named
//! values a caller binds ([`Expression::parse_with`]: a recipe's constants and parameter
//! values, e.g. `nu`); a name is letters, digits and `_`, starting with a letter or `_`.
//! Functions: sin cos tan exp log sqrt abs tanh sinh cosh atan.
//!
//! Bound names are substituted by their values when the text is parsed, and evaluation is
//! plain f64 arithmetic in a fixed order: the same text and values give the same bits on
//! every run and every process. [`Expression::constant`] evaluates an expression without
//! coordinates once (a parameter value such as `0.01/pi`).

use std::collections::BTreeMap;

use crate::error::{Result, SolverError};

/// The coordinate names an expression of a field may use (bound per point).
pub const COORDINATES: &[&str] = &["x", "y", "lx", "ly"];

/// The built-in constants (`pi`, `e`).
pub const BUILTIN_CONSTANTS: &[&str] = &["pi", "e"];

/// The functions an expression may call.
pub const FUNCTIONS: &[&str] = &[
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan",
];

/// Whether `name` is reserved by the language (a coordinate, a built-in constant or a
/// function): a caller may not bind it, so a user constant never shadows them.
pub fn is_reserved(name: &str) -> bool {
    COORDINATES.contains(&name) || BUILTIN_CONSTANTS.contains(&name) || FUNCTIONS.contains(&name)
}

/// Whether `name` can be written in an expression: letters, digits and `_`, starting with
/// a letter or `_`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A parsed expression in x and y.
#[derive(Debug, Clone)]
pub struct Expression {
    text: String,
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Number(f64),
    Var(Var),
    Neg(Box<Node>),
    Binary(char, Box<Node>, Box<Node>),
    Call(fn(f64) -> f64, Box<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Var {
    X,
    Y,
    Lx,
    Ly,
}

/// Values of the free names at a point.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    /// x coordinate.
    pub x: f64,
    /// y coordinate (0 in 1-D).
    pub y: f64,
    /// Domain length along x.
    pub lx: f64,
    /// Domain length along y.
    pub ly: f64,
}

impl Expression {
    /// Parses `text`; errors name the position and what was expected.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with(text, &BTreeMap::new())
    }

    /// Parses `text` with the named values `names` (a recipe's constants and parameter
    /// values) usable beside the coordinates; a name that is neither is an error that lists
    /// what is available.
    pub fn parse_with(text: &str, names: &BTreeMap<String, f64>) -> Result<Self> {
        Self::parse_in(text, names, true)
    }

    /// Evaluates `text`, which may use `names`, `pi` and `e` but no coordinates, once: how a
    /// parameter or constant given as a formula (`0.01/pi`) gets its value. A non-finite
    /// result is an error.
    pub fn constant(text: &str, names: &BTreeMap<String, f64>) -> Result<f64> {
        let expr = Self::parse_in(text, names, false)?;
        let value = expr.eval(&Point {
            x: 0.0,
            y: 0.0,
            lx: 0.0,
            ly: 0.0,
        });
        if value.is_finite() {
            Ok(value)
        } else {
            Err(SolverError::Expression {
                expression: text.to_string(),
                position: 0,
                reason: format!("the value is {value}, not a finite number"),
            })
        }
    }

    fn parse_in(text: &str, names: &BTreeMap<String, f64>, coordinates: bool) -> Result<Self> {
        let mut parser = Parser {
            text,
            chars: text.char_indices().collect(),
            pos: 0,
            names,
            coordinates,
        };
        let root = parser.expr()?;
        parser.skip_space();
        if parser.pos < parser.chars.len() {
            return Err(parser.error("unexpected text after the end of the expression"));
        }
        Ok(Self {
            text: text.to_string(),
            root,
        })
    }

    /// The source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates at a point.
    pub fn eval(&self, p: &Point) -> f64 {
        eval(&self.root, p)
    }
}

fn eval(node: &Node, p: &Point) -> f64 {
    match node {
        Node::Number(v) => *v,
        Node::Var(Var::X) => p.x,
        Node::Var(Var::Y) => p.y,
        Node::Var(Var::Lx) => p.lx,
        Node::Var(Var::Ly) => p.ly,
        Node::Neg(a) => -eval(a, p),
        Node::Binary(op, a, b) => {
            let (a, b) = (eval(a, p), eval(b, p));
            match op {
                '+' => a + b,
                '-' => a - b,
                '*' => a * b,
                '/' => a / b,
                _ => a.powf(b),
            }
        }
        Node::Call(f, a) => f(eval(a, p)),
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    /// Caller-bound names (constants, parameters), substituted by their values.
    names: &'a BTreeMap<String, f64>,
    /// Whether the coordinates x, y, lx, ly may be used.
    coordinates: bool,
}

impl Parser<'_> {
    fn error(&self, reason: &str) -> SolverError {
        SolverError::Expression {
            expression: self.text.to_string(),
            position: self.pos,
            reason: reason.to_string(),
        }
    }

    fn skip_space(&mut self) {
        while self.pos < self.chars.len() && self.chars[self.pos].1.is_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.chars.get(self.pos).map(|c| c.1)
    }

    fn expr(&mut self) -> Result<Node> {
        let mut left = self.term()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            left = Node::Binary(op, Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Node> {
        let mut left = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek() {
            self.pos += 1;
            left = Node::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node> {
        match self.peek() {
            Some('-') => {
                self.pos += 1;
                Ok(Node::Neg(Box::new(self.unary()?)))
            }
            Some('+') => {
                self.pos += 1;
                self.unary()
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Node> {
        let base = self.primary()?;
        if self.peek() == Some('^') {
            self.pos += 1;
            return Ok(Node::Binary('^', Box::new(base), Box::new(self.unary()?)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Node> {
        match self.peek() {
            None => Err(self.error("expected a number, a name or '(' but the text ended")),
            Some('(') => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect(')')?;
                Ok(inner)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == '_' => self.name(),
            Some(c) => Err(self.error(&format!("unexpected character '{c}'"))),
        }
    }

    fn expect(&mut self, want: char) -> Result<()> {
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{want}'")))
        }
    }

    fn number(&mut self) -> Result<Node> {
        let start = self.pos;
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos].1;
            let exponent_sign = (c == '-' || c == '+')
                && self.pos > start
                && matches!(self.chars[self.pos - 1].1, 'e' | 'E');
            if c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || exponent_sign {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text: String = self.chars[start..self.pos].iter().map(|c| c.1).collect();
        text.parse::<f64>().map(Node::Number).map_err(|_| {
            self.pos = start;
            self.error(&format!("`{text}` is not a number"))
        })
    }

    fn name(&mut self) -> Result<Node> {
        let start = self.pos;
        while self.pos < self.chars.len()
            && (self.chars[self.pos].1.is_ascii_alphanumeric() || self.chars[self.pos].1 == '_')
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().map(|c| c.1).collect();
        if !self.coordinates && COORDINATES.contains(&name.as_str()) {
            self.pos = start;
            return Err(self.error(&format!(
                "`{name}` is a coordinate, not available here (a constant or parameter value \
                 is evaluated once, without coordinates)"
            )));
        }
        let var = match name.as_str() {
            "x" => Some(Node::Var(Var::X)),
            "y" => Some(Node::Var(Var::Y)),
            "lx" => Some(Node::Var(Var::Lx)),
            "ly" => Some(Node::Var(Var::Ly)),
            "pi" => Some(Node::Number(std::f64::consts::PI)),
            "e" => Some(Node::Number(std::f64::consts::E)),
            _ => None,
        };
        if let Some(v) = var {
            return Ok(v);
        }
        if let Some(&value) = self.names.get(&name) {
            return Ok(Node::Number(value));
        }
        let f: fn(f64) -> f64 = match name.as_str() {
            "sin" => f64::sin,
            "cos" => f64::cos,
            "tan" => f64::tan,
            "exp" => f64::exp,
            "log" => f64::ln,
            "sqrt" => f64::sqrt,
            "abs" => f64::abs,
            "tanh" => f64::tanh,
            "sinh" => f64::sinh,
            "cosh" => f64::cosh,
            "atan" => f64::atan,
            _ => {
                self.pos = start;
                let mut variables: Vec<&str> = if self.coordinates {
                    COORDINATES.to_vec()
                } else {
                    Vec::new()
                };
                variables.extend(BUILTIN_CONSTANTS);
                variables.extend(self.names.keys().map(String::as_str));
                return Err(self.error(&format!(
                    "unknown name `{name}` (variables: {}; functions: {})",
                    variables.join(", "),
                    FUNCTIONS.join(", ")
                )));
            }
        };
        self.expect('(')?;
        let arg = self.expr()?;
        self.expect(')')?;
        Ok(Node::Call(f, Box::new(arg)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f64, y: f64) -> Point {
        Point {
            x,
            y,
            lx: 2.0,
            ly: 3.0,
        }
    }

    #[test]
    fn precedence_and_functions() {
        let e = Expression::parse("1 + 2*x^2 - -y/4 + sin(pi*x/lx) + 1.5e-1*ly").unwrap();
        let (x, y) = (0.3f64, 2.0);
        let want = 1.0 + 2.0 * x * x + y / 4.0 + (std::f64::consts::PI * x / 2.0).sin() + 0.45;
        assert!((e.eval(&at(x, y)) - want).abs() < 1e-15);
        // ^ binds tighter than unary minus, and is right-associative.
        assert_eq!(Expression::parse("-2^2").unwrap().eval(&at(0.0, 0.0)), -4.0);
        assert_eq!(
            Expression::parse("2^3^2").unwrap().eval(&at(0.0, 0.0)),
            512.0
        );
    }

    #[test]
    fn errors_name_the_position() {
        let err = Expression::parse("sin(x) + foo(y)").unwrap_err();
        assert!(
            matches!(err, SolverError::Expression { position: 9, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("unknown name `foo`"));
        assert!(Expression::parse("(x + 1")
            .unwrap_err()
            .to_string()
            .contains("expected ')'"));
        assert!(Expression::parse("x +").is_err());
        assert!(Expression::parse("x 2").is_err());
    }

    #[test]
    fn named_values_and_constants() {
        let names: BTreeMap<String, f64> =
            [("nu".to_string(), 0.5), ("k_0".to_string(), 3.0)].into();
        let e = Expression::parse_with("-nu*sin(k_0*pi*x)", &names).unwrap();
        let want = -0.5 * (3.0 * std::f64::consts::PI * 0.25f64).sin();
        assert_eq!(e.eval(&at(0.25, 0.0)).to_bits(), want.to_bits());
        // A parameter as a formula: evaluated once, the same bits every time.
        let nu = Expression::constant("0.01/pi", &BTreeMap::new()).unwrap();
        assert_eq!(nu.to_bits(), (0.01 / std::f64::consts::PI).to_bits());
        assert_eq!(
            Expression::constant("2*nu + e", &names).unwrap(),
            1.0 + std::f64::consts::E
        );
        // Coordinates are refused where there are none; unknown names list what exists.
        let err = Expression::constant("nu*x", &names)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`x` is a coordinate"), "{err}");
        let err = Expression::parse_with("mu*x", &names)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown name `mu`") && err.contains("k_0, nu"),
            "{err}"
        );
        assert!(Expression::constant("1/0", &names)
            .unwrap_err()
            .to_string()
            .contains("not a finite number"));
        assert!(is_identifier("nu_2") && !is_identifier("2nu") && !is_identifier("a-b"));
        assert!(is_reserved("pi") && is_reserved("sin") && is_reserved("lx") && !is_reserved("nu"));
    }
}
