-- Argo CD action discovery for sagemaker.mlops.dev/ModelDeployment: which of freeze,
-- unfreeze and rollback the object allows now, named with the version each one would pin.
--   freeze     pin the version the endpoint serves now (status.modelPackage.version);
--              disabled without a live version, or when already frozen
--   unfreeze   restore the approval remembered in the sagemaker.mlops.dev/previous-*
--              annotations; disabled when not frozen
--   rollback   pin the newest Succeeded version in status.history other than the live one;
--              disabled when there is none, or when the spec already pins it
-- Plain table code only: Argo CD runs argocd-cm action scripts in gopher-lua (Lua 5.1) with
-- the base, table and package libraries and a safe os, never string or math.
local PREVIOUS_POLICY = "sagemaker.mlops.dev/previous-approval-policy"

local function live_version()
  if obj.status == nil or obj.status.modelPackage == nil then
    return nil
  end
  return obj.status.modelPackage.version
end

local function frozen()
  return obj.metadata ~= nil and obj.metadata.annotations ~= nil
    and obj.metadata.annotations[PREVIOUS_POLICY] ~= nil
end

local function rollback_version(live)
  if obj.status == nil or obj.status.history == nil then
    return nil
  end
  for _, entry in ipairs(obj.status.history) do
    if entry.outcome == "Succeeded" and entry.version ~= nil and entry.version ~= live then
      return entry.version
    end
  end
  return nil
end

local function pinned_version()
  local approval = obj.spec.approval
  if approval == nil or approval.policy ~= "Pinned" then
    return nil
  end
  return approval.pinnedVersion
end

local actions = {}
local live = live_version()

actions["freeze"] = {disabled = true, displayName = "Freeze", iconClass = "fa fa-fw fa-lock"}
if live ~= nil and not frozen() then
  actions["freeze"].disabled = false
  actions["freeze"].displayName = "Freeze at version " .. live
end

actions["unfreeze"] = {disabled = true, displayName = "Unfreeze", iconClass = "fa fa-fw fa-unlock"}
if frozen() then
  actions["unfreeze"].disabled = false
  actions["unfreeze"].displayName = "Unfreeze (back to " .. obj.metadata.annotations[PREVIOUS_POLICY] .. ")"
end

actions["rollback"] = {disabled = true, displayName = "Roll back", iconClass = "fa fa-fw fa-rotate-left"}
local target = rollback_version(live)
if target ~= nil and target ~= pinned_version() then
  actions["rollback"].disabled = false
  actions["rollback"].displayName = "Roll back to version " .. target
end

return actions
