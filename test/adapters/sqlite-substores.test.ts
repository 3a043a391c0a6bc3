import { openSqliteStore } from '../../src/infra/sql-store/sql-store.ts'
import { tempDir } from '../helpers/server.ts'
import { describeSubStores } from './store-contract/index.ts'

describeSubStores('sqlite', () => openSqliteStore(tempDir('store')))
