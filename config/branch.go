package config

import (
	"fmt"
	"strings"
)

// checkBranchName applies the rules of `git check-ref-format --branch`, as
// git 2.39 has them (refs.c check_refname_format, object-name.c
// strbuf_check_branch_ref), and returns why name breaks them ("" = valid).
// A looser check let names through that git itself refuses to create as
// branches: "HEAD" made refs/heads/HEAD, after which every git command
// warns that the refname is ambiguous, and "-x" reads as an option.
//
// The @{-N} and @{upstream} forms git expands inside a repository all hold
// "@{", which is refused here, so the expansion never matters.
func checkBranchName(name string) string {
	switch {
	case name == "":
		return "is empty"
	case name[0] == '-':
		return "starts with '-', which git would read as an option"
	case name == "HEAD":
		return "is HEAD: refs/heads/HEAD makes every git command warn that HEAD is ambiguous"
	case strings.HasSuffix(name, "."):
		return "ends with '.'"
	}
	for _, comp := range strings.Split(name, "/") {
		if why := checkRefComponent(comp); why != "" {
			return why
		}
	}
	return ""
}

// checkRefComponent applies git's rules for one '/'-separated component of
// a ref name (refs.c check_refname_component, without refspec patterns).
func checkRefComponent(comp string) string {
	switch {
	case comp == "":
		return "has an empty path component (a leading or trailing '/', or '//')"
	case comp[0] == '.':
		return fmt.Sprintf("has a component starting with '.' (%q)", comp)
	case strings.HasSuffix(comp, ".lock"):
		return fmt.Sprintf("has a component ending in \".lock\" (%q)", comp)
	case strings.Contains(comp, ".."):
		return "contains \"..\""
	case strings.Contains(comp, "@{"):
		return "contains \"@{\""
	}
	for i := 0; i < len(comp); i++ {
		switch c := comp[i]; {
		case c < 0x20 || c == 0x7f:
			return fmt.Sprintf("contains the control character %U", rune(c))
		case strings.IndexByte(" ~^:?*[\\", c) >= 0:
			return fmt.Sprintf("contains %q, which git refuses in ref names", string(c))
		}
	}
	return ""
}
