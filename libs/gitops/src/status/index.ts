export {
  comparedStatus,
  desiredOptOuts,
  resourceHealth,
  sortResources,
  type ComparedResource,
  type ComparedStatus,
  type ResourceHealth,
  type StatusHealth,
} from './compared.js';
export { statusChanges, type StatusChange } from './changes.js';
