// Command argo-lua runs an Argo CD resource customization script (a health check or a
// resource action) against one object, in the interpreter and with the libraries Argo CD
// gives such scripts, and prints what Argo CD would make of the result:
//
//	argo-lua [--open-libs] [--param NAME=VALUE]... health SCRIPT < object.json
//	    {"status":"Healthy","message":"..."}
//	argo-lua [--open-libs] [--param NAME=VALUE]... action SCRIPT < object.json
//	    the object (or list of impacted resources) the action returns, as JSON
//	argo-lua [--open-libs] [--param NAME=VALUE]... patch SCRIPT < object.json
//	    the JSON merge patch Argo CD sends to the resource for that action
//	argo-lua [--open-libs] discovery SCRIPT < object.json
//	    the actions an action discovery script offers, as Argo CD lists them
//
// What it reproduces, from Argo CD's util/lua (v3.5.1):
//   - gopher-lua (Lua 5.1) with the standard libraries skipped unless --open-libs (Argo CD's
//     useOpenLibs; built-in scripts always get them, argocd-cm customizations only on request);
//   - then package, base and table opened, and Argo CD's "safe os" (os.time and os.date
//     only) reachable through require("os") and nowhere else (see openSafeOs);
//   - a one-second deadline; globals `obj` (numbers as Lua numbers) and `actionParams`;
//   - the returned table read through gopher-json, as Argo CD reads it: an invalid health
//     status becomes Unknown, and an action's object has empty tables that were objects in
//     the input turned back into objects;
//   - for a resource action, the patch Argo CD's API server computes from the live object to
//     the returned one (RunResourceActionV2 and patchResource in server/application): a JSON
//     merge patch (RFC 7386, evanphx/json-patch's CreateMergePatch at the version Argo CD
//     pins), which it sends with the merge-patch content type;
//   - for action discovery, Argo CD's reading of the returned table
//     (ExecuteResourceActionDiscovery): one action per key, enabled unless it says
//     disabled = true, with its displayName, iconClass and params.
//
// Exit status: 0 on success, 1 when the script fails or returns something Argo CD rejects
// (the reason on stderr), 2 for a usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	jsonpatch "github.com/evanphx/json-patch"
	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

const (
	usage          = "usage: argo-lua [--open-libs] [--param NAME=VALUE]... health|action|patch|discovery SCRIPT < object.json"
	scriptDeadline = time.Second
)

var modes = map[string]bool{"health": true, "action": true, "patch": true, "discovery": true}

type options struct {
	mode     string
	script   string
	openLibs bool
	params   [][2]string
}

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "argo-lua: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	script, err := os.ReadFile(opts.script)
	if err != nil {
		fail(2, err)
	}
	object, err := readObject(os.Stdin)
	if err != nil {
		fail(2, err)
	}
	output, err := run(opts, object, string(script))
	if err != nil {
		fail(1, err)
	}
	fmt.Println(string(output))
}

func fail(code int, err error) {
	fmt.Fprintln(os.Stderr, "argo-lua:", err)
	os.Exit(code)
}

// parseArgs accepts flags before or after the positional arguments, so both
// `argo-lua --open-libs health s.lua` and `argo-lua health s.lua --open-libs` work.
func parseArgs(args []string) (options, error) {
	var opts options
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--open-libs":
			opts.openLibs = true
		case arg == "--param" || strings.HasPrefix(arg, "--param="):
			value, found := strings.CutPrefix(arg, "--param=")
			if !found {
				if i+1 >= len(args) {
					return opts, errors.New("--param needs NAME=VALUE")
				}
				i++
				value = args[i]
			}
			name, text, ok := strings.Cut(value, "=")
			if !ok || name == "" {
				return opts, fmt.Errorf("--param %q is not NAME=VALUE", value)
			}
			opts.params = append(opts.params, [2]string{name, text})
		case strings.HasPrefix(arg, "-") && arg != "-":
			return opts, fmt.Errorf("unknown flag %s", arg)
		default:
			positional = append(positional, arg)
		}
	}
	if len(positional) != 2 || !modes[positional[0]] {
		return opts, errors.New("expected `health SCRIPT`, `action SCRIPT`, `patch SCRIPT` or `discovery SCRIPT`")
	}
	opts.mode, opts.script = positional[0], positional[1]
	return opts, nil
}

func readObject(input io.Reader) (map[string]interface{}, error) {
	data, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	var object map[string]interface{}
	if err := json.Unmarshal(data, &object); err != nil {
		return nil, fmt.Errorf("stdin must hold one JSON object: %w", err)
	}
	if object == nil {
		return nil, errors.New("stdin must hold one JSON object, not null")
	}
	return object, nil
}

func run(opts options, object map[string]interface{}, script string) ([]byte, error) {
	L := newState(opts.openLibs)
	defer L.Close()
	ctx, cancel := context.WithTimeout(context.Background(), scriptDeadline)
	defer cancel()
	L.SetContext(ctx)

	params := L.CreateTable(0, len(opts.params))
	for _, param := range opts.params {
		// Argo CD passes action parameters to the script as strings.
		params.RawSetH(lua.LString(param[0]), lua.LString(param[1]))
	}
	L.SetGlobal("actionParams", params)
	// Argo CD converts the object with the same rules as gopher-json's decoder: maps and
	// arrays become tables, every number an LNumber, null nil.
	L.SetGlobal("obj", luajson.DecodeValue(L, object))

	if err := L.DoString(script); err != nil {
		// Argo CD drops the Lua stack trace from runtime errors before showing them.
		var apiErr *lua.ApiError
		if errors.As(err, &apiErr) && apiErr.Type == lua.ApiErrorRun {
			apiErr.StackTrace = ""
		}
		return nil, err
	}
	// Argo CD reads the top of the stack: the last value the script returned.
	returned := L.Get(-1)
	switch opts.mode {
	case "health":
		status, err := healthResult(returned)
		if err != nil {
			return nil, err
		}
		return json.Marshal(status)
	case "discovery":
		return discoveryResult(returned)
	case "patch":
		result, err := actionResult(returned, object)
		if err != nil {
			return nil, err
		}
		return mergePatch(object, result)
	}
	return actionResult(returned, object)
}

// newState builds the interpreter exactly as Argo CD configures it.
func newState(openLibs bool) *lua.LState {
	L := lua.NewState(lua.Options{SkipOpenLibs: !openLibs})
	// Argo CD opens these four on top of whatever NewState opened. Re-opening the package
	// library also resets package.loaded, which is why require("os") yields the safe os even
	// with --open-libs (where the global `os` is gopher-lua's full library).
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openSafeOs},
	} {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(lib.open), NRet: 0, Protect: true},
			lua.LString(lib.name)); err != nil {
			panic(err)
		}
	}
	L.PreloadModule(lua.OsLibName, loadSafeOs)
	return L
}

// openSafeOs has the effect of Argo CD's opener for its safe os library, which registers
// the functions as a module named "table" rather than "os". The table module is already
// loaded by then, so gopher-lua's RegisterModule returns it unchanged and adds nothing:
// no global `os` exists, and scripts reach os.time and os.date only via require("os").
func openSafeOs(L *lua.LState) int {
	L.Push(L.RegisterModule(lua.TabLibName, safeOsFunctions))
	return 1
}

// loadSafeOs is the package.preload loader behind require("os").
func loadSafeOs(L *lua.LState) int {
	L.Push(L.SetFuncs(L.NewTable(), safeOsFunctions))
	return 1
}

var safeOsFunctions = map[string]lua.LGFunction{"time": osTime, "date": osDate}

// osTime is os.time as Argo CD's safe os implements it: the current Unix time, or the
// local time described by a table (hour defaults to 12, sec and min to 0; isdst ignored).
func osTime(L *lua.LState) int {
	if L.GetTop() == 0 {
		L.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	fields := L.CheckTable(1)
	number := func(key string, fallback int) int {
		if value, ok := fields.RawGetString(key).(lua.LNumber); ok {
			return int(value)
		}
		return fallback
	}
	moment := time.Date(number("year", -1), time.Month(number("month", -1)), number("day", -1),
		number("hour", 12), number("min", 0), number("sec", 0), 0, time.Local)
	L.Push(lua.LNumber(moment.Unix()))
	return 1
}

// osDate is os.date as Argo CD's safe os implements it, quirks included: a leading "!"
// selects UTC unless a time argument is also given (that one is read as local time), "*t"
// returns a table with yday 0 and isdst false, and only the strftime conversions in
// dateConversions (plus %w and %%) are expanded.
func osDate(L *lua.LState) int {
	moment := time.Now()
	format := "%c"
	if L.GetTop() >= 1 {
		format = L.CheckString(1)
		if strings.HasPrefix(format, "!") {
			moment = time.Now().UTC()
			format = strings.TrimLeft(format, "!")
		}
		if L.GetTop() >= 2 {
			moment = time.Unix(L.CheckInt64(2), 0)
		}
		if strings.HasPrefix(format, "*t") {
			fields := L.NewTable()
			for key, value := range map[string]int{
				"year": moment.Year(), "month": int(moment.Month()), "day": moment.Day(),
				"hour": moment.Hour(), "min": moment.Minute(), "sec": moment.Second(),
				"wday": int(moment.Weekday()) + 1, "yday": 0,
			} {
				fields.RawSetString(key, lua.LNumber(value))
			}
			fields.RawSetString("isdst", lua.LFalse)
			L.Push(fields)
			return 1
		}
	}
	L.Push(lua.LString(strftime(moment, format)))
	return 1
}

// dateConversions maps strftime conversions to Go layouts as Argo CD's safe os does; %a
// maps to the literal "mon" there (not a Go layout element), kept for fidelity.
var dateConversions = map[byte]string{
	'a': "mon", 'A': "Monday", 'b': "Jan", 'B': "January", 'c': "02 Jan 06 15:04 MST",
	'd': "02", 'F': "2006-01-02", 'H': "15", 'I': "03", 'm': "01", 'M': "04", 'p': "PM",
	'P': "pm", 'S': "05", 'x': "15/04/05", 'X': "15:04:05", 'y': "06", 'Y': "2006",
	'z': "-0700", 'Z': "MST",
}

func strftime(moment time.Time, format string) string {
	var out strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i == len(format)-1 {
			out.WriteByte(format[i])
			continue
		}
		i++
		conversion := format[i]
		switch layout, known := dateConversions[conversion]; {
		case conversion == '%':
			out.WriteByte('%')
		case known:
			out.WriteString(moment.Format(layout))
		case conversion == 'w':
			out.WriteString(strconv.Itoa(int(moment.Weekday())))
		default:
			out.WriteByte('%')
			out.WriteByte(conversion)
		}
	}
	return out.String()
}

type healthStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

var healthCodes = map[string]bool{
	"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true,
	"Degraded": true, "Missing": true,
}

// healthResult reads a health script's result as Argo CD does.
func healthResult(returned lua.LValue) (healthStatus, error) {
	switch returned.Type() {
	case lua.LTNil:
		return healthStatus{}, nil
	case lua.LTTable:
	default:
		return healthStatus{}, fmt.Errorf("expect table output from Lua script, not %s",
			returned.Type())
	}
	data, err := luajson.Encode(returned)
	if err != nil {
		return healthStatus{}, err
	}
	var status healthStatus
	if err := json.Unmarshal(data, &status); err != nil {
		// Argo CD meant this for an empty table (encoded as []), but it treats any JSON type
		// mismatch (a number as message, say) as "no health" rather than as an error.
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return healthStatus{}, nil
		}
		return healthStatus{}, err
	}
	if !healthCodes[status.Status] {
		return healthStatus{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return status, nil
}

// actionResult reads a resource action's result as Argo CD's ExecuteResourceAction does:
// an object is the patched resource (old style); a list holds impacted resources
// ({"resource": ..., "operation": "create"|"patch"}, new style).
func actionResult(returned lua.LValue, original map[string]interface{}) ([]byte, error) {
	if returned.Type() != lua.LTTable {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", returned.Type())
	}
	data, err := luajson.Encode(returned)
	if err != nil {
		return nil, err
	}
	if len(data) < 2 {
		return nil, errors.New("Lua output was not a valid json object or array")
	}
	if data[0] == '[' {
		var impacted []map[string]interface{}
		if err := json.Unmarshal(data, &impacted); err != nil {
			return nil, err
		}
		for _, entry := range impacted {
			operation, _ := entry["operation"].(string)
			if operation != "create" && operation != "patch" {
				return nil, fmt.Errorf("unsupported operation: %v", entry["operation"])
			}
			resource, err := asResource(entry["resource"])
			if err != nil {
				return nil, err
			}
			if operation == "patch" {
				restoreObjects(resource, original)
			}
		}
		return json.Marshal(impacted)
	}
	var resource interface{}
	if err := json.Unmarshal(data, &resource); err != nil {
		return nil, err
	}
	patched, err := asResource(resource)
	if err != nil {
		return nil, err
	}
	restoreObjects(patched, original)
	return json.Marshal(patched)
}

// asResource checks what Argo CD's conversion to an unstructured object insists on.
func asResource(value interface{}) (map[string]interface{}, error) {
	resource, ok := value.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("an action must return Kubernetes objects, got %s", describe(value))
	}
	if kind, _ := resource["kind"].(string); kind == "" {
		return nil, errors.New("Object 'Kind' is missing in the object the action returned")
	}
	return resource, nil
}

func describe(value interface{}) string {
	data, err := json.Marshal(value)
	if err != nil {
		return fmt.Sprintf("%T", value)
	}
	return string(data)
}

// restoreObjects undoes gopher-json's encoding of an empty table as [] where the input had
// an object, as Argo CD does before patching: Lua cannot tell an empty array from an empty
// object. Only fields present in both are compared; arrays are compared item by item.
func restoreObjects(updated, original map[string]interface{}) {
	for key, value := range updated {
		before, ok := original[key]
		if !ok {
			continue
		}
		switch now := value.(type) {
		case map[string]interface{}:
			if was, ok := before.(map[string]interface{}); ok {
				restoreObjects(now, was)
			}
		case []interface{}:
			switch was := before.(type) {
			case map[string]interface{}:
				if len(now) == 0 {
					updated[key] = map[string]interface{}{}
				}
			case []interface{}:
				restoreArray(now, was)
			}
		}
	}
}

func restoreArray(updated, original []interface{}) {
	for i, value := range updated {
		if i >= len(original) {
			return
		}
		switch now := value.(type) {
		case map[string]interface{}:
			if was, ok := original[i].(map[string]interface{}); ok {
				restoreObjects(now, was)
			}
		case []interface{}:
			if was, ok := original[i].([]interface{}); ok {
				restoreArray(now, was)
			}
		}
	}
}

// resourceAction is Argo CD's v1alpha1.ResourceAction as the API lists it.
type resourceAction struct {
	Name        string                `json:"name,omitempty"`
	Params      []resourceActionParam `json:"params,omitempty"`
	Disabled    bool                  `json:"disabled,omitempty"`
	IconClass   string                `json:"iconClass,omitempty"`
	DisplayName string                `json:"displayName,omitempty"`
}

type resourceActionParam struct {
	Name string `json:"name,omitempty"`
}

// discoveryResult reads a discovery script's table as ExecuteResourceActionDiscovery does:
// an empty table offers no action; otherwise each key names an action, enabled unless its
// value holds disabled = true, and the value's other fields (an empty table has none) fill
// in the rest. Argo CD returns them in map order; they are sorted by name here.
func discoveryResult(returned lua.LValue) ([]byte, error) {
	if returned.Type() != lua.LTTable {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", returned.Type())
	}
	data, err := luajson.Encode(returned)
	if err != nil {
		return nil, fmt.Errorf("error in converting to lua table: %w", err)
	}
	actions := []resourceAction{}
	if string(data) == "[]" {
		return json.Marshal(actions)
	}
	var listed map[string]interface{}
	if err := json.Unmarshal(data, &listed); err != nil {
		return nil, fmt.Errorf("error unmarshaling action table: %w", err)
	}
	for name, value := range listed {
		action := resourceAction{Name: name, Disabled: actionDisabled(value)}
		if _, empty := value.([]interface{}); !empty {
			encoded, err := json.Marshal(value)
			if err != nil {
				return nil, fmt.Errorf("error marshaling resource action: %w", err)
			}
			if err := json.Unmarshal(encoded, &action); err != nil {
				return nil, fmt.Errorf("error unmarshaling resource action: %w", err)
			}
		}
		actions = append(actions, action)
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Name < actions[j].Name })
	return json.Marshal(actions)
}

// actionDisabled is Argo CD's isActionDisabled: only a boolean `disabled` disables.
func actionDisabled(value interface{}) bool {
	fields, ok := value.(map[string]interface{})
	if !ok {
		return false
	}
	disabled, ok := fields["disabled"].(bool)
	return ok && disabled
}

// mergePatch is the patch Argo CD's API server sends for an action's result: a JSON merge
// patch from the live object to the returned one, `{}` when nothing changed (Argo CD then
// sends nothing). An action that creates resources is outside what this harness models.
func mergePatch(live map[string]interface{}, result []byte) ([]byte, error) {
	returned := result
	if len(result) > 0 && result[0] == '[' {
		var impacted []map[string]json.RawMessage
		if err := json.Unmarshal(result, &impacted); err != nil {
			return nil, err
		}
		returned = []byte("{}")
		for _, entry := range impacted {
			var operation string
			if err := json.Unmarshal(entry["operation"], &operation); err != nil {
				return nil, err
			}
			if operation != "patch" {
				return nil, fmt.Errorf("patch mode covers actions that only patch their resource, not %q", operation)
			}
			returned = entry["resource"]
		}
		if string(returned) == "{}" {
			return returned, nil
		}
	}
	liveBytes, err := json.Marshal(live)
	if err != nil {
		return nil, err
	}
	patch, err := jsonpatch.CreateMergePatch(liveBytes, returned)
	if err != nil {
		return nil, fmt.Errorf("error calculating merge patch: %w", err)
	}
	return patch, nil
}
