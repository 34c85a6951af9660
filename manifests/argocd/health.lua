-- Argo CD health check for sagemaker.mlops.dev/ModelDeployment and sagemaker.mlops.dev/ModelEndpoint
-- (both write the same status contract).
--
-- Reads the status contract the operator writes (kstatus conventions):
--   status.observedGeneration   the generation the status describes
--   conditions Ready            always present: True once the endpoint serves the chosen version
--   conditions Reconciling      present only while True: work is under way (or SageMaker is
--                               briefly unavailable) and will finish on its own
--   conditions Stalled          present only while True: someone has to act (approve a
--                               version, fix the spec or IAM, resolve a name conflict)
-- Plain table code only: Argo CD runs argocd-cm scripts in gopher-lua (Lua 5.1) with the base,
-- table and package libraries and nothing else (no string, math or os) unless useOpenLibs is set.
local hs = {}

local function find_condition(conditions, kind)
  if conditions == nil then
    return nil
  end
  for _, condition in ipairs(conditions) do
    if condition.type == kind then
      return condition
    end
  end
  return nil
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  local text = condition.message
  if text == nil or text == "" then
    text = fallback
  end
  if condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason .. ": " .. text
  end
  return text
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  local kind = obj.kind
  if kind == nil then
    kind = "resource"
  end
  hs.message = "Deleting: the operator is removing the SageMaker resources this " .. kind .. " owns"
  -- What the deletion waits for (SageMaker, or a ModelEndpoint's placed ModelDeployments).
  if obj.status ~= nil then
    local deleting = find_condition(obj.status.conditions, "Reconciling")
    if deleting ~= nil and deleting.reason == "Deleting" and deleting.message ~= nil
        and deleting.message ~= "" then
      hs.message = "Deleting: " .. deleting.message
    end
  end
  return hs
end

-- observedGeneration 0 is the CRD's default, what the API server shows until the operator
-- writes its first status.
if obj.status == nil or obj.status.observedGeneration == nil or obj.status.observedGeneration == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

if obj.metadata ~= nil and obj.metadata.generation ~= nil
    and obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. obj.metadata.generation
    .. " (status describes generation " .. obj.status.observedGeneration .. ")"
  return hs
end

local conditions = obj.status.conditions

local stalled = find_condition(conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "The operator cannot make progress")
  return hs
end

local ready = find_condition(conditions, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "The endpoint is serving")
  return hs
end

local reconciling = find_condition(conditions, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(reconciling, "The operator is updating SageMaker")
  return hs
end

hs.status = "Progressing"
hs.message = describe(ready, "Waiting for the SageMaker endpoint")
return hs
