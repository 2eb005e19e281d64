package gitstate

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrIdentityUnknown is returned by DefaultSignature when git would not know
// who is committing.
var ErrIdentityUnknown = errors.New("git identity unknown")

// DefaultSignature returns the author and committer git would use: names and
// emails from GIT_AUTHOR_*/GIT_COMMITTER_* environment variables, then
// author.*/committer.* and user.* config (repository, global, system), then
// $EMAIL; dates from GIT_AUTHOR_DATE/GIT_COMMITTER_DATE or now.
func (r *Repo) DefaultSignature() (author, committer Signature, err error) {
	cs, err := r.loadConfig()
	if err != nil {
		return Signature{}, Signature{}, err
	}
	now := time.Now()
	author, err = identityFor("author", cs, now)
	if err != nil {
		return Signature{}, Signature{}, err
	}
	committer, err = identityFor("committer", cs, now)
	if err != nil {
		return Signature{}, Signature{}, err
	}
	return author, committer, nil
}

func identityFor(role string, cs *configSet, now time.Time) (Signature, error) {
	env := "GIT_" + strings.ToUpper(role) + "_"
	pick := func(envName, key string) string {
		if v, ok := os.LookupEnv(env + envName); ok {
			return strings.TrimSpace(v)
		}
		if v, ok := cs.get(role + "." + key); ok && v != "" {
			return strings.TrimSpace(v)
		}
		if v, ok := cs.get("user." + key); ok {
			return strings.TrimSpace(v)
		}
		return ""
	}
	s := Signature{Name: pick("NAME", "name"), Email: pick("EMAIL", "email"), When: now}
	if s.Email == "" {
		s.Email = strings.TrimSpace(os.Getenv("EMAIL"))
	}
	if s.Name == "" || s.Email == "" {
		return Signature{}, fmt.Errorf("%w: %s name or email is not set; run\n  git config --global user.name \"Your Name\"\n  git config --global user.email \"you@example.com\"\n(or set %sNAME and %sEMAIL)", ErrIdentityUnknown, role, env, env)
	}
	if d, ok := os.LookupEnv(env + "DATE"); ok && d != "" {
		t, err := parseGitDate(d)
		if err != nil {
			return Signature{}, fmt.Errorf("%sDATE: %w", env, err)
		}
		s.When = t
	}
	return s, nil
}

// parseGitDate accepts the date formats git documents for GIT_*_DATE: git's
// internal "<unix> <+hhmm>" (optionally "@<unix>"), RFC 2822 and ISO 8601.
func parseGitDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	fields := strings.Fields(s)
	if len(fields) >= 1 && len(fields) <= 2 {
		secStr := strings.TrimPrefix(fields[0], "@")
		if sec, err := strconv.ParseInt(secStr, 10, 64); err == nil && (strings.HasPrefix(fields[0], "@") || len(fields) == 2) {
			loc := time.UTC
			if len(fields) == 2 {
				l, err := parseTZ(fields[1])
				if err != nil {
					return time.Time{}, err
				}
				loc = l
			}
			return time.Unix(sec, 0).In(loc), nil
		}
	}
	layouts := []string{
		time.RFC1123Z,
		"Mon, 2 Jan 2006 15:04:05 -0700",
		"2 Jan 2006 15:04:05 -0700",
		time.RFC3339,
		"2006-01-02T15:04:05-0700",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05 -07:00",
		"2006.01.02 15:04:05 -0700",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q (use \"@<unix> +0000\", RFC 2822 or ISO 8601)", s)
}

func parseTZ(tz string) (*time.Location, error) {
	if len(tz) != 5 || (tz[0] != '+' && tz[0] != '-') {
		return nil, fmt.Errorf("invalid time zone %q", tz)
	}
	h, err1 := strconv.Atoi(tz[1:3])
	m, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("invalid time zone %q", tz)
	}
	off := h*3600 + m*60
	if tz[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off), nil
}

// BotName and BotEmail identify fcgit's own records (online-branch commits,
// notes) when git has no identity: CI runners often have none, and a record
// of what is online is the tool's, not a person's.
const (
	BotName  = "fcgit"
	BotEmail = "fcgit@localhost"
)

// RecordSignature returns the identity for fcgit's own records: the one git
// would use (GIT_* variables and config win), or the fixed bot identity for a
// role git cannot name. Dates follow GIT_*_DATE as for DefaultSignature.
func (r *Repo) RecordSignature() (author, committer Signature, err error) {
	cs, err := r.loadConfig()
	if err != nil {
		return Signature{}, Signature{}, err
	}
	now := time.Now()
	pick := func(role string) (Signature, error) {
		s, err := identityFor(role, cs, now)
		if errors.Is(err, ErrIdentityUnknown) {
			s = Signature{Name: BotName, Email: BotEmail, When: now}
			env := "GIT_" + strings.ToUpper(role) + "_DATE"
			if d, ok := os.LookupEnv(env); ok && d != "" {
				t, err := parseGitDate(d)
				if err != nil {
					return Signature{}, fmt.Errorf("%s: %w", env, err)
				}
				s.When = t
			}
			return s, nil
		}
		return s, err
	}
	if author, err = pick("author"); err != nil {
		return Signature{}, Signature{}, err
	}
	if committer, err = pick("committer"); err != nil {
		return Signature{}, Signature{}, err
	}
	return author, committer, nil
}
