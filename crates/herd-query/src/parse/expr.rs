//! Arithmetic, numbers and functions.

use super::Parser;
use crate::ast::{BinOp, Expr, Func, Order, Span, TopBy};
use crate::error::ParseError;

const FUNCTIONS: &str = "abs, log2, log10, cumsum, integral, per_second, per_minute, diff, \
                         derivative, top, timeshift, hour_before, day_before or week_before";

impl Parser<'_> {
    pub(super) fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.term()?;
        loop {
            self.c.skip_ws();
            let op = match self.c.peek() {
                Some('+') => BinOp::Add,
                Some('-') => BinOp::Sub,
                _ => return Ok(lhs),
            };
            lhs = self.binary(op, lhs, Self::term)?;
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        loop {
            self.c.skip_ws();
            let op = match self.c.peek() {
                Some('*') => BinOp::Mul,
                Some('/') => BinOp::Div,
                _ => return Ok(lhs),
            };
            lhs = self.binary(op, lhs, Self::unary)?;
        }
    }

    /// Consumes the operator at the cursor and the right operand.
    fn binary(
        &mut self,
        op: BinOp,
        lhs: Expr,
        rhs: fn(&mut Self) -> Result<Expr, ParseError>,
    ) -> Result<Expr, ParseError> {
        let span = Span::new(self.c.pos, self.c.pos + 1);
        self.c.bump();
        let rhs = rhs(self)?;
        Ok(Expr::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            span,
        })
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.c.skip_ws();
        if self.c.peek() == Some('-') {
            let span = Span::new(self.c.pos, self.c.pos + 1);
            self.c.bump();
            self.enter()?;
            let expr = self.unary()?;
            self.leave();
            return Ok(Expr::Neg {
                expr: Box::new(expr),
                span,
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.c.skip_ws();
        match self.c.peek() {
            Some('(') => {
                self.c.bump();
                self.enter()?;
                let e = self.expr()?;
                self.leave();
                self.c.expect(')', "`)` closing the parenthesis")?;
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.c.pos;
                let (word, span) = self.c.word();
                if self.c.peek() == Some(':') {
                    return self.metric_query(word, span);
                }
                self.c.skip_ws();
                if self.c.peek() == Some('(') {
                    return self.call(word, span);
                }
                Err(self.c.err_at(
                    start,
                    "a metric query (`avg:metric{scope}`), a function call or a number",
                ))
            }
            _ => Err(self
                .c
                .err("a metric query (`avg:metric{scope}`), a function call, a number or `(`")),
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.c.pos;
        self.c.take_while(|c| c.is_ascii_digit());
        if self.c.peek() == Some('.') {
            self.c.bump();
            self.c.take_while(|c| c.is_ascii_digit());
        }
        if matches!(self.c.peek(), Some('e' | 'E')) {
            let mark = self.c.pos;
            self.c.bump();
            if matches!(self.c.peek(), Some('+' | '-')) {
                self.c.bump();
            }
            if self.c.take_while(|c| c.is_ascii_digit()).0.is_empty() {
                return Err(self.c.err_at(mark, "digits of the exponent"));
            }
        }
        let text = &self.c.src[start..self.c.pos];
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Expr::Number {
                value,
                span: Span::new(start, self.c.pos),
            }),
            _ => Err(self.c.err_at(start, "a finite number")),
        }
    }

    /// `name(arg[, …])`, the cursor on `(`.
    fn call(&mut self, name: &str, span: Span) -> Result<Expr, ParseError> {
        let func = match name {
            "abs" => Func::Abs,
            "log2" => Func::Log2,
            "log10" => Func::Log10,
            "cumsum" => Func::Cumsum,
            "integral" => Func::Integral,
            "per_second" => Func::PerSecond,
            "per_minute" => Func::PerMinute,
            "diff" => Func::Diff,
            "derivative" => Func::Derivative,
            "hour_before" => Func::Timeshift(-3600),
            "day_before" => Func::Timeshift(-86_400),
            "week_before" => Func::Timeshift(-604_800),
            "top" => Func::Top {
                n: 0,
                by: TopBy::Mean,
                order: Order::Desc,
            },
            "timeshift" => Func::Timeshift(0),
            _ => {
                return Err(self
                    .c
                    .err_at(span.start, format!("a function: {FUNCTIONS}")))
            }
        };
        self.c.bump();
        self.enter()?;
        let arg = self.expr()?;
        self.leave();
        let func = match func {
            Func::Top { .. } => self.top_args()?,
            Func::Timeshift(0) => {
                self.c.expect(',', "`,` and the shift in seconds")?;
                Func::Timeshift(self.c.signed("a shift in seconds, e.g. -3600")?)
            }
            f => f,
        };
        self.c.expect(')', "`)` closing the function call")?;
        Ok(Expr::Call {
            func,
            arg: Box::new(arg),
            span,
        })
    }

    /// `, N, 'mean'|'max'|'last'|'sum', 'desc'|'asc'` of `top`.
    fn top_args(&mut self) -> Result<Func, ParseError> {
        self.c.expect(',', "`,` and the number of series to keep")?;
        let (n, span) = self.c.integer("the number of series to keep, e.g. 10")?;
        let n = u32::try_from(n)
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                self.c
                    .err_at(span.start, "a number of series from 1 to 1000")
            })?;
        self.c
            .expect(',', "`,` and 'mean', 'max', 'last' or 'sum'")?;
        let (by, span) = self.c.string("'mean', 'max', 'last' or 'sum'")?;
        let by = match by {
            "mean" => TopBy::Mean,
            "max" => TopBy::Max,
            "last" => TopBy::Last,
            "sum" => TopBy::Sum,
            _ => return Err(self.c.err_at(span.start, "'mean', 'max', 'last' or 'sum'")),
        };
        self.c.expect(',', "`,` and 'desc' or 'asc'")?;
        let (order, span) = self.c.string("'desc' or 'asc'")?;
        let order = match order {
            "desc" => Order::Desc,
            "asc" => Order::Asc,
            _ => return Err(self.c.err_at(span.start, "'desc' or 'asc'")),
        };
        Ok(Func::Top { n, by, order })
    }
}
